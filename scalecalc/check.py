"""Budget checks for CI: planned runs against limits on compute, time, money, loss and D/N.

A plan is given on the command line or in a TOML file that a team keeps beside its training
configs (examples/plan.toml). Every run is checked against every limit it names; the CLI exits 1
when any check fails (and 2 on any error). Errors in a plan file name the file, the line, the run
and the key. Paths in a plan (preset and accelerator files) are relative to the plan's folder.

Memory is not a limit but a fact: a run that names its accelerator and how many (gpu and gpus)
must hold its training state, 16 bytes per parameter sharded over the gpus (ZeRO-3,
architecture.md §6), in their memory. A run that cannot is not a plan that could fail a budget but
one that cannot run at all, so it is refused like any other unusable input (exit 2), with the
fewest accelerators that would hold it. `max_gpus` holds the run's accelerator count to a limit:
its gpus, or without gpus the fewest whose memory holds the state.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scalecalc import hardware as accelerators
from scalecalc import presets as preset_files
from scalecalc import tomlfile
from scalecalc.errors import ScalecalcError
from scalecalc.hardware import Accelerator, Catalogues, Hardware
from scalecalc.presets import Preset
from scalecalc.records import Value, record_field
from scalecalc.tomlfile import Table, describe

# limit -> (planned quantity, True when the planned value must not exceed the limit)
LIMITS: dict[str, tuple[str, bool]] = {
    "max_flops": ("flops", True),
    "max_gpu_hours": ("gpu_hours", True),
    "max_days": ("days", True),
    "max_dollars": ("dollars", True),
    "max_loss": ("loss", True),
    "min_tokens_per_param": ("tokens_per_param", False),
    "max_tokens_per_param": ("tokens_per_param", True),
    "max_gpus": ("gpus", True),
    # The run's batch_tokens and learning_rate against a law's (hparams_law): the larger over the smaller.
    "max_batch_ratio": ("batch_ratio", True),
    "max_lr_ratio": ("lr_ratio", True),
}
RATIO_LIMITS = ("max_batch_ratio", "max_lr_ratio")
HPARAMS_KEYS = ("batch_tokens", "learning_rate", "hparams_law")
DEFAULT_HPARAMS_LAW = "deepseek"
HARDWARE_KEYS = ("gpu", "gpus", "mfu", "price", "accelerators", "precision")
RUN_KEYS = {"name", "params", "model", "tokens", "flops_per_token", "preset", "limits", *HARDWARE_KEYS,
            *HPARAMS_KEYS}
TOP_KEYS = {"preset", "limits", "run", "flops_per_token", "hparams_law", *HARDWARE_KEYS}
MAX_RUNS = 10_000
STATE_BYTES = 16  # bf16 mixed-precision Adam (architecture.md §6: ZeRO's 2 + 2 + 12)


@dataclass(frozen=True)
class CheckResult:
    """One limit of one planned run: `scalecalc check`."""

    run: str = record_field("text", "planned run")
    check: str = record_field("text", "limit checked")
    limit: Value = record_field("number", "the limit")
    planned: Value = record_field("number", "the plan's value")
    verdict: str = record_field("text", "PASS or FAIL")


@dataclass(frozen=True)
class PlannedRun:
    name: str
    params: float  # the N of C = c0·N·D, D/N and the loss: a mixture of experts' active parameters
    tokens: float
    preset: Preset
    hardware: Hardware | None
    limits: dict[str, float] = field(default_factory=dict)
    where: str = ""  # how messages name the run: "plan file P, line L, run NAME"; default "run NAME"
    total_params: float | None = None  # every parameter, for memory; None: params
    # Compute counted over the law's c0·N·D: --flops-per-token, or a model whose law leaves out
    # its embeddings (scalecalc.compute.Counting.scale). 1: the law's own 6·N·D.
    compute_scale: float = 1.0
    # The run's optimizer settings, for max_batch_ratio and max_lr_ratio (scalecalc.hparams).
    batch_tokens: float | None = None
    learning_rate: float | None = None
    hparams_law: str = DEFAULT_HPARAMS_LAW
    porian_params: float | None = None  # Porian et al.'s N (linear layers and head); None: params
    deepseek_m: float | None = None  # DeepSeek LLM's M of the run's model (Eq. 2); None: C = 6·N·D


def inline_run(params: float, tokens: float, preset: Preset, hardware: Hardware | None,
               limits: dict[str, float], model: str | None = None,
               total_params: float | None = None, compute_scale: float = 1.0) -> PlannedRun:
    """The run given on the command line, named by its model or size so a table's title reads well."""
    for name, value in (("--params", params), ("--tokens", tokens)):
        if value < 1:
            raise ScalecalcError(f"{name}: {value:g} is below 1; give a count such as 7B or 2T.")
    check_limits(limits, "", lambda key: f"--{key.replace('_', '-')}")
    label = model if model is not None else f"{_size(params)} params"
    return PlannedRun(f"{label}, {_size(tokens)} tokens", params, tokens, preset, hardware, limits,
                      total_params=total_params, compute_scale=compute_scale)


def _size(value: float) -> str:
    """70.0B; beyond the suffixes, 1e+20."""
    from scalecalc.quantities import format_count

    return format_count(value) if value < 1e15 else f"{value:.3g}"


def check_limits(limits: dict[str, float], where: str, name: Callable[[str], str] = str) -> None:
    """Refuse a minimum D/N above the maximum (no run could pass both), and a max_gpus that is
    not a whole number of accelerators."""
    low, high = limits.get("min_tokens_per_param"), limits.get("max_tokens_per_param")
    if low is not None and high is not None and low > high:
        raise ScalecalcError(f"{where}{name('min_tokens_per_param')} {low:g} is above "
                             f"{name('max_tokens_per_param')} {high:g}; no run can pass both.")
    if "max_gpus" in limits:
        try:
            accelerators.parse_count(limits["max_gpus"], name("max_gpus"))
        except ScalecalcError as error:
            raise ScalecalcError(f"{where}{error}") from None
    for key in RATIO_LIMITS:
        if key in limits and limits[key] < 1:
            raise ScalecalcError(f"{where}{name(key)} {limits[key]:g} is below 1, and the factor between "
                                 "a run's value and the law's is never below 1; give 1 or more, such as 2.")


def fewest_gpus(run: PlannedRun) -> int | None:
    """Fewest of the run's accelerators whose memory holds its training state under ZeRO-3, or
    None when the catalogue gives no memory for the accelerator."""
    from scalecalc.models import memory

    if run.hardware is None or run.hardware.accelerator.memory_gb is None:
        return None
    total = run.params if run.total_params is None else run.total_params
    return memory.min_gpus(total, run.hardware.accelerator.memory_bytes(), STATE_BYTES)


def check_memory(run: PlannedRun, where: str) -> None:
    """Refuse a run whose training state cannot fit on the accelerators it names (see the module)."""
    from scalecalc.models import memory

    hardware = run.hardware
    if hardware is None or hardware.count is None or hardware.accelerator.memory_gb is None:
        return
    total = run.params if run.total_params is None else run.total_params
    need = memory.zero_bytes_per_gpu(total, hardware.count, 3, STATE_BYTES)
    if need > hardware.accelerator.memory_bytes():
        fewest = fewest_gpus(run)
        remedy = f"give gpus of at least {fewest:,}" if fewest <= accelerators.MAX_ACCELERATORS else \
            f"even {accelerators.MAX_ACCELERATORS:,} of them (the most scalecalc takes) could not hold it"
        spread = "on one accelerator" if hardware.count == 1 else \
            f"sharded over {hardware.count:,} accelerators (ZeRO-3)"
        raise ScalecalcError(
            f"{where}: the training state of {_size(total)} parameters at {STATE_BYTES} bytes each, "
            f"{spread}, needs {need / 1e9:.4g} GB per accelerator, more than the "
            f"{hardware.accelerator.memory_gb:g} GB of one {hardware.accelerator.key}; {remedy}.")


def evaluate(run: PlannedRun) -> list[CheckResult]:
    """One result per limit, in the order of LIMITS; every planned value is finite or an error."""
    where = run.where or f"run {run.name}"
    if not run.limits:
        raise ScalecalcError(f"{where}: no limits to check; give at least one, such as --max-flops.")
    flops = run.preset.flops_per_param_token * run.params * run.tokens * run.compute_scale
    planned: dict[str, float | None] = {"flops": flops, "tokens_per_param": run.tokens / run.params}
    if not math.isfinite(flops):
        raise ScalecalcError(f"{where}: the planned compute {run.preset.flops_per_param_token:g} · "
                             "params · tokens is above the largest float, 1.8e308; give fewer params or "
                             "tokens.")
    check_memory(run, where)
    if "max_gpus" in run.limits:
        count = run.hardware.count if run.hardware is not None else None
        planned["gpus"] = float(count) if count is not None else _float_or_none(fewest_gpus(run))
    if run.hardware is not None:
        try:
            hours, days, dollars = run.hardware.costs(flops)
        except ScalecalcError as error:
            raise ScalecalcError(f"{where}: {error}") from None
        planned["gpu_hours"] = float(hours)
        planned["days"] = None if days is None else float(days)
        planned["dollars"] = None if dollars is None else float(dollars)
    if run.preset.law is not None and "max_loss" in run.limits:
        planned["loss"] = float(run.preset.law.loss(run.params, run.tokens))
    if any(key in run.limits for key in RATIO_LIMITS):
        planned.update(_hparams_ratios(run, flops))
    results = []
    for limit in LIMITS:
        if limit not in run.limits:
            continue
        quantity, upper = LIMITS[limit]
        value = planned.get(quantity)
        if value is None:
            raise ScalecalcError(f"{where}: {limit} needs {_needs(quantity, run.preset.name)}.")
        if not math.isfinite(value):
            raise ScalecalcError(f"{where}: the planned {quantity} is not a finite number; check "
                                 "the run's params and tokens and the preset's coefficients.")
        bound = run.limits[limit]
        passed = value <= bound if upper else value >= bound
        results.append(CheckResult(run=run.name, check=limit, limit=bound, planned=value,
                                   verdict="PASS" if passed else "FAIL"))
    return results


def _hparams_ratios(run: PlannedRun, flops: float) -> dict[str, float | None]:
    """How many times the run's batch and learning rate are off the law's, whichever way (>= 1)."""
    from scalecalc import hparams

    own = None if run.deepseek_m is None else run.deepseek_m * run.tokens
    law = hparams.Run(run.params, run.tokens, flops, run.params, run.porian_params or run.params, own)
    batch, rate = hparams.law_values(run.hparams_law, law)

    def factor(planned: float | None, lawful: float | None) -> float | None:
        return None if planned is None or lawful is None else max(planned / lawful, lawful / planned)

    return {"batch_ratio": factor(run.batch_tokens, batch), "lr_ratio": factor(run.learning_rate, rate)}


def _float_or_none(value: int | None) -> float | None:
    return None if value is None else float(value)


def _needs(quantity: str, preset: str) -> str:
    return {"gpus": "the run's accelerator count (gpus), or an accelerator whose memory the catalogue "
                    "gives (gpu, with memory_gb)",
            "gpu_hours": "an accelerator (--gpu, or gpu in the plan)",
            "days": "an accelerator and how many run at once (gpu and gpus)",
            "dollars": "an accelerator and its price per hour (gpu and price)",
            "loss": f"a preset with a loss law ({preset} has none)",
            "batch_ratio": "the run's batch size in tokens (batch_tokens = \"4M\", say)",
            "lr_ratio": "the run's peak learning rate (learning_rate = 3e-4, say) and an hparams_law that "
                        "gives one (deepseek or porian)"}[quantity]


def read_plan(path: Path, catalogues: Catalogues = None) -> list[PlannedRun]:
    """The runs of a plan file, each with its limits; file-wide settings apply to every run.

    `catalogues` are accelerator files given on the command line; a plan's own `accelerators`
    file is read after them, so its entries win.
    """
    data, text = tomlfile.read(path, "plan")
    return _PlanReader(path, text, catalogues).runs(data)


class _PlanReader:
    """Reads a parsed plan with typed access, blaming the file, line, run and key at fault."""

    def __init__(self, path: Path, text: str, catalogues: Catalogues) -> None:
        self.path, self.locate = path, _Locator(path, text)
        self.folder = path.parent
        # The command line's catalogues are read first, so their errors name them, not the plan.
        self.catalogues: dict[Path | None, dict[str, Accelerator]] = {
            None: accelerators.catalogue(catalogues)}

    def table(self, data: dict[str, Any], section: str, index: int | None = None, name: str = "") -> Table:
        return Table(data, lambda key: self.locate.where(section, key, index, name))

    def runs(self, data: dict[str, Any]) -> list[PlannedRun]:
        top = self.table(data, "")
        top.only(TOP_KEYS)
        entries = data.get("run")
        if entries is None or entries == []:
            raise ScalecalcError(f"plan file {self.path}: no runs; add one or more [[run]] tables with "
                                 "name, params and tokens.")
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            what = "a list of values" if isinstance(entries, list) else describe(entries)
            raise top.fail("run", f"must be [[run]] tables with name, params and tokens, not {what}")
        if len(entries) > MAX_RUNS:
            raise top.fail("run", f"holds {len(entries):,} runs, above the limit of {MAX_RUNS:,}; "
                           "split the plan")
        defaults = self.limits(data, top, "limits", None, "")
        planned: list[PlannedRun] = []
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            label = self.table(entry, "run", index)
            name = label.text("name", required=False) or f"#{index + 1}"
            if name in seen:
                raise label.fail("name", f"repeats the name {describe(name)}; give each run its own name")
            seen.add(name)
            planned.append(self.run(data, entry, index, name, defaults))
        return planned

    def run(self, data: dict[str, Any], entry: dict[str, Any], index: int, name: str,
            defaults: dict[str, float]) -> PlannedRun:
        run = self.table(entry, "run", index, name)
        run.only(RUN_KEYS)
        model = self.model(run, entry)
        sizes = {}
        for key in ("params", "tokens"):
            if model is not None and key not in entry:
                continue  # from the model, below
            value = run.quantity(key)
            if value < 1:
                raise run.fail(key, f"must be at least 1, not {value:g}")
            sizes[key] = value
        # A setting comes from the run, else from the top of the file: blame the table it came from.
        top_run = self.table(data, "", None, name)
        source = {key: run if key in entry else top_run for key in (*HARDWARE_KEYS, "preset")}
        values = {key: (entry if key in entry else data).get(key) for key in source}
        hardware = self.hardware(values, source)
        preset = self.preset(source["preset"])
        total = None  # every parameter, for memory: a model's, else params
        if model is not None:
            sizes["params"] = model.law_params(preset.params_convention)
            sizes.setdefault("tokens", model.tokens)
            total = model.total
        scale = self.compute_scale(data, entry, run, top_run, model, preset)
        limits = {**defaults, **self.limits(entry, run, "run.limits", index, name)}
        where = self.locate.where("run", "", index, name)
        if not limits:
            raise ScalecalcError(f"{where}: no limits to check; add a [run.limits] table, or [limits] for "
                                 "every run, with one such as max_days = 30.")
        check_limits(limits, f"{where}: ")
        optimizer = self.optimizer(data, entry, run, top_run)
        porian = None if model is None else _porian_params(model)
        own_m = None if model is None else _deepseek_m(model)
        return PlannedRun(name, sizes["params"], sizes["tokens"], preset, hardware, limits, where, total,
                          scale, **optimizer, porian_params=porian, deepseek_m=own_m)

    def optimizer(self, data: dict[str, Any], entry: dict[str, Any], run: Table, top: Table
                  ) -> dict[str, Any]:
        """batch_tokens and learning_rate of the run, and the law they are held to (the run's, else the
        file's hparams_law)."""
        from scalecalc.hparams import CHECK_LAWS, MAX_BATCH_TOKENS, MAX_LEARNING_RATE

        owner = run if "hparams_law" in entry else top
        law = owner.text("hparams_law", required=False) or DEFAULT_HPARAMS_LAW
        if law not in CHECK_LAWS:
            raise owner.fail("hparams_law", f"must be one of {', '.join(CHECK_LAWS)}, not {describe(law)}")
        batch = run.quantity("batch_tokens", required=False)
        if batch is not None and batch > MAX_BATCH_TOKENS:
            raise run.fail("batch_tokens", f"is {batch:g}, above the limit of {MAX_BATCH_TOKENS:g} tokens a "
                           "step; give the tokens of one optimizer step, such as \"4M\"")
        if batch is not None and batch < 1:  # half a token is no batch
            raise run.fail("batch_tokens", f"is {batch:g}, less than one token a step; give the tokens of "
                           "one optimizer step, such as \"4M\"")
        return {"batch_tokens": batch,
                "learning_rate": run.number("learning_rate", required=False, high=MAX_LEARNING_RATE),
                "hparams_law": law}

    def compute_scale(self, data: dict[str, Any], entry: dict[str, Any], run: Table, top: Table,
                      model: Any, preset: Preset) -> float:
        """flops_per_token (the run's, else the file's): a number per parameter, or with a model a
        named convention, as --flops-per-token takes it; 1 where neither it nor a model changes
        how compute is counted."""
        owner, table = (run, entry) if "flops_per_token" in entry else (top, data)
        value = table.get("flops_per_token")
        if value is None and model is None:
            return 1.0
        from scalecalc.compute import Counting, parse_flops_per_token

        per_token = None
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise owner.fail("flops_per_token", f"must be a number such as 8 or a convention such as "
                                 f"\"6N+attn\", not {describe(value)}")
            try:
                per_token = parse_flops_per_token(str(value), model is not None)
            except ScalecalcError as error:
                raise owner.fail("flops_per_token", f"is not usable: {error}") from None
        return float(Counting(per_token, model).scale(preset))

    def model(self, run: Table, entry: dict[str, Any]) -> Any:
        """A run's model = "NAME" (or a config.json beside the plan), in place of params; its tokens
        come from the catalogue unless the run gives tokens."""
        spec = run.text("model", required=False)
        if spec is None:
            return None
        if "params" in entry:
            raise run.fail("model", "sets the model size, so it does not go with params; keep one of them")
        if spec.strip() == "-":
            raise run.fail("model", "cannot be standard input in a plan file; name a config.json file")
        from scalecalc.models.sizing import resolve

        try:
            sizes = resolve(spec, self.folder)
        except ScalecalcError as error:
            raise run.fail("model", f"is not usable: {error}") from None
        if sizes.tokens is None and "tokens" not in entry:
            raise run.fail("model", f"{describe(spec)} has no published token count; add tokens to the run")
        return sizes

    def limits(self, data: dict[str, Any], owner: Table, section: str, index: int | None,
               name: str) -> dict[str, float]:
        value = data.get("limits")
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise owner.fail("limits", "must be a table of limits such as max_days = 30, "
                             f"not {describe(value)}")
        table = self.table(value, section, index, name)
        for key in table.data:
            if key not in LIMITS:
                raise table.fail(key, f"is not a limit; use {', '.join(LIMITS)}")
        limits = {key: table.quantity(key) for key in table.data}
        if "max_gpus" in limits:  # a count of accelerators: whole, at least 1
            self.setting(limits, {"max_gpus": table}, "max_gpus", accelerators.parse_count)
        return limits

    def hardware(self, values: dict[str, Any], source: dict[str, Table]) -> Hardware | None:
        gpu = source["gpu"].text("gpu", required=False)
        if gpu is None:
            stray = next((key for key in HARDWARE_KEYS if values[key] is not None), None)
            if stray is not None:
                raise source[stray].fail(stray, "describes an accelerator: add gpu = NAME (for example h100)")
            return None
        count, mfu, price, precision = (self.setting(values, source, key, parse) for key, parse in (
            ("gpus", accelerators.parse_count), ("mfu", accelerators.parse_mfu),
            ("price", accelerators.parse_price), ("precision", accelerators.parse_precision)))
        entries = self.catalogue(source["accelerators"])
        try:
            accelerator = accelerators.lookup(gpu, entries)
        except ScalecalcError as error:
            raise source["gpu"].fail("gpu", f"is not usable: {error}") from None
        try:
            precision = accelerators.at_precision(accelerator, precision)
        except ScalecalcError as error:
            raise source["precision"].fail("precision", f"is not usable: {error}") from None
        return Hardware(accelerator, count, accelerators.DEFAULT_MFU if mfu is None else mfu, price,
                        precision)

    @staticmethod
    def setting(values: dict[str, Any], source: dict[str, Table], key: str,
                parse: Callable[[Any, str], Any]) -> Any:
        if values[key] is None:
            return None
        try:
            return parse(values[key], key)
        except ScalecalcError as error:
            raise source[key].fail(key, "has a bad value: " + str(error).removeprefix(f"{key}: ")) from None

    def catalogue(self, source: Table) -> dict[str, Accelerator]:
        """The built-in accelerators, the command line's files, then the plan's own file (cached)."""
        extra = source.text("accelerators", required=False)
        path = None if extra is None else self.relative(extra)
        if path not in self.catalogues:
            try:
                self.catalogues[path] = {**self.catalogues[None], **accelerators.read_catalogue(path)}
            except ScalecalcError as error:
                raise source.fail("accelerators", f"is not usable: {error}") from None
        return self.catalogues[path]

    def preset(self, source: Table) -> Preset:
        spec = source.text("preset", required=False)
        if spec is None:
            return preset_files.load(preset_files.DEFAULT_PRESET)
        try:
            if spec not in preset_files.builtin_names():
                relative = self.relative(spec)
                if relative.exists() or spec.endswith(".toml") or "/" in spec:
                    spec = str(relative)
            found = preset_files.load(spec)
            if "moe" in found.answers:  # its loss law sits apart from preset.law: not "has no loss law"
                raise ScalecalcError(f"preset {found.name} is a mixture-of-experts law, which only optimal "
                                     "and loss answer (docs/moe.md); use a dense preset such as "
                                     f"{preset_files.DEFAULT_PRESET}")
            preset_files.require_params(found, "it cannot check a run given by its params")
            return found
        except ScalecalcError as error:
            raise source.fail("preset", f"is not usable: {error}") from None
        except OSError as error:  # a name too long for a path, say
            raise source.fail("preset", f"is not usable as a file name ({error.strerror})") from None

    def relative(self, spec: str) -> Path:
        """A path in the plan, read from the plan's own folder (absolute and ~ paths stay)."""
        return self.folder / Path(spec).expanduser()


def _deepseek_m(model: Any) -> float | None:
    """DeepSeek LLM's M of a model (Eq. 2), so its Eq. 1 takes C = M·D as `hparams --model` does."""
    from scalecalc.models.flops import deepseek_m

    return deepseek_m(model.architecture)


def _porian_params(model: Any) -> float:
    """Porian et al.'s N of a model: its matrix-multiplied parameters, the head included."""
    from scalecalc.models.flops import matmul_params

    return float(matmul_params(model.architecture))


class _Locator:
    """Finds the line of a key in a plan file: tomllib parses but does not say where things are."""

    HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]")
    KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        # (section, run index, key or None for a header) -> first line; "" is the top of the file.
        self.lines: dict[tuple[str, int | None, str | None], int] = {}
        section, run = "", -1
        for number, line in enumerate(text.splitlines(), start=1):
            header = self.HEADER.match(line)
            if header:
                section = re.sub(r"[\s\"']", "", header.group(2))
                if header.group(1) == "[[" and section == "run":
                    run += 1
                self.lines.setdefault((section, self._run(section, run), None), number)
            elif (key := self.KEY.match(line)) is not None:
                self.lines.setdefault((section, self._run(section, run), key.group(1)), number)

    @staticmethod
    def _run(section: str, run: int) -> int | None:
        return run if section.split(".")[0] == "run" else None

    def where(self, section: str, key: str, index: int | None, name: str) -> str:
        """"plan file P, line L, run NAME": the line of the key, else of its table's header."""
        number = self.lines.get((section, index, key)) or self.lines.get((section, index, None))
        return (f"plan file {self.path}" + (f", line {number}" if number else "")
                + (f", run {name}" if name else ""))
