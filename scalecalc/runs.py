"""Reading training runs (N, D or C, loss) from CSV for `scalecalc fit`."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

import numpy as np

from scalecalc.errors import ScalecalcError

# Header names recognised without --columns, compared case-insensitively.
KNOWN_HEADERS: dict[str, tuple[str, ...]] = {
    "params": ("params", "n", "model size", "model_size", "parameters", "num_params", "n_params"),
    "tokens": ("tokens", "d", "training tokens", "training_tokens", "num_tokens", "n_tokens"),
    "flops": ("flops", "c", "training flop", "training flops", "training_flop", "training_flops",
              "compute"),
    "loss": ("loss", "final loss", "final_loss", "l", "eval_loss", "val_loss"),
}
MAX_BAD_ROWS_SHOWN = 5


@dataclass(frozen=True)
class Runs:
    """Training runs ready to fit: arrays of N, D and final loss, and what was left out."""

    params: np.ndarray
    tokens: np.ndarray
    loss: np.ndarray
    source: str
    excluded: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.params.size)

    @property
    def flops(self) -> np.ndarray:
        return 6 * self.params * self.tokens

    def keep(self, mask: np.ndarray, reason: str) -> Runs:
        """These runs less the ones `mask` drops, counted under `reason`."""
        dropped = int(np.count_nonzero(~mask))
        counts = dict(self.excluded)
        if dropped:
            counts[reason] = counts.get(reason, 0) + dropped
        return Runs(self.params[mask], self.tokens[mask], self.loss[mask], self.source, counts)


def parse_columns(spec: str | None) -> dict[str, str]:
    """--columns "params=n_params,loss=val_loss" -> {"params": "n_params", "loss": "val_loss"}."""
    mapping: dict[str, str] = {}
    for item in (spec or "").split(","):
        if not item.strip():
            continue
        key, sep, header = item.partition("=")
        key = key.strip().lower()
        if not sep or key not in KNOWN_HEADERS or not header.strip():
            raise ScalecalcError(f"--columns: {item.strip()!r} should be ROLE=HEADER with ROLE one of "
                                 "params, tokens, flops, loss; for example --columns params=N,loss=val_loss.")
        mapping[key] = header.strip()
    return mapping


def read_runs(text: str, source: str, columns: dict[str, str] | None = None,
              flops_per_param_token: float = 6.0) -> Runs:
    """Parse CSV text; every bad row is reported with its line number."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise ScalecalcError(f"{source}: the file is empty; it needs a header row and one row per run.")
    where = _locate_columns([cell.strip() for cell in header], source, columns or {})
    values: dict[str, list[float]] = {role: [] for role in where}
    problems: list[str] = []
    for line_number, row in enumerate(reader, start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        parsed, problem = _parse_row(row, where)
        if problem:
            problems.append(f"line {line_number}: {problem}")
            continue
        for role, value in parsed.items():
            values[role].append(value)
    if problems:
        shown = "; ".join(problems[:MAX_BAD_ROWS_SHOWN])
        hidden = len(problems) - MAX_BAD_ROWS_SHOWN
        more = f" (and {hidden} more)" if hidden > 0 else ""
        raise ScalecalcError(f"{source}: {len(problems)} bad row(s): {shown}{more}; "
                             "every value must be a positive number.")
    params = np.array(values["params"])
    tokens = (np.array(values["tokens"]) if "tokens" in values
              else np.array(values["flops"]) / (flops_per_param_token * params))
    return Runs(params, tokens, np.array(values["loss"]), source)


def _locate_columns(header: list[str], source: str, columns: dict[str, str]) -> dict[str, int]:
    lowered = [cell.lower() for cell in header]
    where: dict[str, int] = {}
    for role, names in KNOWN_HEADERS.items():
        if role in columns:
            wanted = columns[role].lower()
            if wanted not in lowered:
                raise ScalecalcError(f"{source}: --columns names {columns[role]!r} for {role}, but the "
                                     f"header has {', '.join(header)}.")
            where[role] = lowered.index(wanted)
        else:
            found = [index for index, cell in enumerate(lowered) if cell in names]
            if found:
                where[role] = found[0]
    if "tokens" in where and "flops" in where and "tokens" not in columns and "flops" not in columns:
        del where["flops"]  # tokens given directly win over tokens derived from compute
    elif "tokens" in where and "flops" in where:
        del where["flops" if "tokens" in columns else "tokens"]
    missing = [role for role in ("params", "loss") if role not in where]
    if "tokens" not in where and "flops" not in where:
        missing.append("tokens or flops")
    if missing:
        raise ScalecalcError(
            f"{source}: no column for {' and '.join(missing)} in the header ({', '.join(header)}); "
            "name them params, tokens (or flops) and loss, or map them with --columns params=...,loss=....")
    return where


def _parse_row(row: list[str], where: dict[str, int]) -> tuple[dict[str, float], str | None]:
    parsed: dict[str, float] = {}
    for role, index in where.items():
        cell = row[index].strip() if index < len(row) else ""
        if not cell:
            return parsed, f"{role} is missing"
        try:
            value = float(cell)
        except ValueError:
            return parsed, f"{role} {cell!r} is not a number"
        if not math.isfinite(value) or value <= 0:
            return parsed, f"{role} {cell!r} is not a positive finite number"
        parsed[role] = value
    return parsed, None


def exclude(runs: Runs, drop_highest_loss: int = 0, min_tokens_per_param: float | None = None) -> Runs:
    """Leave out the K highest-loss runs and runs with D/N below a floor (Besiroglu et al. drop 5)."""
    if drop_highest_loss < 0:
        raise ScalecalcError("--drop-highest-loss: give a whole number of runs, 0 or more.")
    if drop_highest_loss:
        if drop_highest_loss >= len(runs):
            raise ScalecalcError(f"--drop-highest-loss {drop_highest_loss} would leave none of the "
                                 f"{len(runs)} runs; drop fewer.")
        mask = np.ones(len(runs), dtype=bool)
        mask[np.argsort(runs.loss, kind="stable")[len(runs) - drop_highest_loss:]] = False
        runs = runs.keep(mask, f"the {drop_highest_loss} highest-loss runs")
    if min_tokens_per_param is not None:
        runs = runs.keep(runs.tokens / runs.params >= min_tokens_per_param,
                         f"D/N below {min_tokens_per_param:g}")
    return runs
