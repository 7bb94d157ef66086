"""Budget checks for CI: planned runs against limits on compute, time, money, loss and D/N.

A plan is given on the command line or in a TOML file that a team keeps beside its training
configs (examples/plan.toml). Every run is checked against every limit it names; the CLI exits 1
when any check fails. Errors in a plan file name the file, the line and the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scalecalc import presets as preset_files
from scalecalc.errors import ScalecalcError
from scalecalc.hardware import Hardware, from_settings
from scalecalc.presets import Preset
from scalecalc.quantities import parse_quantity
from scalecalc.records import Value, record_field

# limit -> (planned quantity, True when the planned value must not exceed the limit)
LIMITS: dict[str, tuple[str, bool]] = {
    "max_flops": ("flops", True),
    "max_gpu_hours": ("gpu_hours", True),
    "max_days": ("days", True),
    "max_dollars": ("dollars", True),
    "max_loss": ("loss", True),
    "min_tokens_per_param": ("tokens_per_param", False),
    "max_tokens_per_param": ("tokens_per_param", True),
}
HARDWARE_KEYS = ("gpu", "gpus", "mfu", "price", "accelerators")
RUN_KEYS = {"name", "params", "tokens", "preset", "limits", *HARDWARE_KEYS}
TOP_KEYS = {"preset", "limits", "run", *HARDWARE_KEYS}



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
    params: float
    tokens: float
    preset: Preset
    hardware: Hardware | None
    limits: dict[str, float] = field(default_factory=dict)


def evaluate(run: PlannedRun) -> list[CheckResult]:
    """One result per limit, in the order of LIMITS."""
    if not run.limits:
        raise ScalecalcError(f"run {run.name}: no limits to check; give at least one, such as --max-flops.")
    flops = run.preset.flops_per_param_token * run.params * run.tokens
    planned: dict[str, float | None] = {"flops": flops, "tokens_per_param": run.tokens / run.params}
    if run.hardware is not None:
        planned["gpu_hours"] = float(run.hardware.accelerator_hours(flops))
        days, dollars = run.hardware.days(flops), run.hardware.dollars(flops)
        planned["days"] = None if days is None else float(days)
        planned["dollars"] = None if dollars is None else float(dollars)
    if run.preset.law is not None:
        planned["loss"] = float(run.preset.law.loss(run.params, run.tokens))
    results = []
    for limit in LIMITS:
        if limit not in run.limits:
            continue
        quantity, upper = LIMITS[limit]
        value = planned.get(quantity)
        if value is None:
            raise ScalecalcError(f"run {run.name}: {limit} needs {_needs(quantity, run.preset.name)}.")
        bound = run.limits[limit]
        passed = value <= bound if upper else value >= bound
        results.append(CheckResult(run=run.name, check=limit, limit=bound, planned=value,
                                   verdict="PASS" if passed else "FAIL"))
    return results


def _needs(quantity: str, preset: str) -> str:
    return {"gpu_hours": "an accelerator (--gpu, or gpu in the plan)",
            "days": "an accelerator and how many run at once (gpu and gpus)",
            "dollars": "an accelerator and its price per hour (gpu and price)",
            "loss": f"a preset with a loss law ({preset} has none)"}[quantity]


def read_plan(path: Path) -> list[PlannedRun]:
    """The runs of a plan file, each with its limits; file-wide settings apply to every run."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as error:
        raise ScalecalcError(f"plan file {path}: cannot be read ({error.strerror}).") from None
    except tomllib.TOMLDecodeError as error:
        raise ScalecalcError(f"plan file {path}: not valid TOML ({error}).") from None
    locate = _Locator(path, text)
    for key in data:
        if key not in TOP_KEYS:
            raise locate.error(None, key, f"is not recognised; use {', '.join(sorted(TOP_KEYS))}")
    runs = data.get("run")
    if not isinstance(runs, list) or not runs:
        raise ScalecalcError(f"plan file {path}: no runs; add one or more [[run]] tables with name, "
                             "params and tokens.")
    defaults_limits = _limits(data.get("limits", {}), locate, None)
    planned = []
    for index, run in enumerate(runs):
        name = str(run.get("name", f"run {index + 1}"))
        unknown = [key for key in run if key not in RUN_KEYS]
        if unknown:
            raise locate.error(index, unknown[0], f"is not recognised; use {', '.join(sorted(RUN_KEYS))}",
                               name=name)
        values = {}
        for key in ("params", "tokens"):
            if key not in run:
                raise locate.error(index, key, "is missing", name=name, line_key="name")
            values[key] = locate.number(index, key, run[key], name)
        setting = {key: run.get(key, data.get(key)) for key in (*HARDWARE_KEYS, "preset")}
        try:
            hardware = from_settings(setting["gpu"], setting["gpus"], setting["mfu"], setting["price"],
                                     setting["accelerators"], prefix="")
            preset = preset_files.load(str(setting["preset"] or preset_files.DEFAULT_PRESET))
        except ScalecalcError as error:
            raise locate.error(index, next((k for k in (*HARDWARE_KEYS, "preset") if k in run), "gpu"),
                               f"is not usable: {error}", name=name) from None
        limits = {**defaults_limits, **_limits(run.get("limits", {}), locate, index, name)}
        planned.append(PlannedRun(name, values["params"], values["tokens"], preset, hardware, limits))
    return planned


def _limits(table: Any, locate: _Locator, index: int | None, name: str = "") -> dict[str, float]:
    if not isinstance(table, dict):
        raise locate.error(index, "limits", "must be a table of limits, such as max_days = 30", name=name)
    limits = {}
    for key, value in table.items():
        if key not in LIMITS:
            raise locate.error(index, key, f"is not a limit; use {', '.join(LIMITS)}", name=name)
        limits[key] = locate.number(index, key, value, name)
    return limits


class _Locator:
    """Finds the line of a key in a plan file: tomllib parses but does not say where things are."""

    HEADER = re.compile(r"^\s*\[\[?\s*([\w.]+)\s*\]\]?")

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.lines = path, text.splitlines()

    def line(self, index: int | None, key: str) -> int | None:
        run = -1
        for number, line in enumerate(self.lines, start=1):
            header = self.HEADER.match(line)
            if header:
                if header.group(1) == "run" and line.strip().startswith("[["):
                    run += 1
                continue
            if (index is None or run == index) and re.match(rf"^\s*{re.escape(key)}\s*=", line):
                return number
        return None

    def error(self, index: int | None, key: str, problem: str, name: str = "",
              line_key: str | None = None) -> ScalecalcError:
        number = self.line(index, line_key or key)
        where = f"plan file {self.path}" + (f", line {number}" if number else "")
        run = f", run {name}" if name else ""
        return ScalecalcError(f"{where}{run}: key {key} {problem.rstrip('.')}.")

    def number(self, index: int | None, key: str, value: Any, name: str) -> float:
        try:
            if isinstance(value, bool):
                raise TypeError
            return parse_quantity(value if isinstance(value, str) else float(value), key)
        except (ScalecalcError, TypeError, ValueError) as error:
            detail = str(error).removeprefix(f"{key}: ") if isinstance(error, ScalecalcError) else \
                f"{value!r} is not a number"
            raise self.error(index, key, f"has a bad value: {detail}", name=name) from None
