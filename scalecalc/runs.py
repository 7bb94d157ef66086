"""Reading training runs (N, D or C, loss) from CSV for `scalecalc fit`."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalecalc.errors import ScalecalcError
from scalecalc.tomlfile import describe

# Header names recognised without --columns, compared case-insensitively.
KNOWN_HEADERS: dict[str, tuple[str, ...]] = {
    "params": ("params", "n", "model size", "model_size", "parameters", "num_params", "n_params"),
    "tokens": ("tokens", "d", "training tokens", "training_tokens", "num_tokens", "n_tokens"),
    "flops": ("flops", "c", "training flop", "training flops", "training_flop", "training_flops",
              "compute"),
    "loss": ("loss", "final loss", "final_loss", "l", "eval_loss", "val_loss"),
    # Optional: which isoFLOP budget a run belongs to (its FLOPs, or any text naming a group).
    "budget": ("budget", "group"),
}
MAX_BAD_ROWS_SHOWN = 5
# Bounds on what a runs file may hold; each error message names its bound.
MAX_RUNS = 1_000_000  # the fit screens its starts on a sample, so time and memory grow only linearly
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_FIELD_CHARS = 131_072  # Python's csv module refuses longer fields
MAX_BUDGET_CHARS = 100  # a budget/group name longer than this is not a label
LARGEST_SIZE = 1e30  # N and D: far beyond any run, and 6·N·D stays finite (messages say 1e30)
ROLES = ("params", "tokens", "flops", "loss")


@dataclass(frozen=True)
class Runs:
    """Training runs ready to fit: arrays of N, D and final loss, and what was left out."""

    params: np.ndarray
    tokens: np.ndarray
    loss: np.ndarray
    source: str
    excluded: dict[str, int] = field(default_factory=dict)
    budget: np.ndarray | None = None  # per run, the text of its budget/group column, where there is one

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
        budget = None if self.budget is None else self.budget[mask]
        return Runs(self.params[mask], self.tokens[mask], self.loss[mask], self.source, counts, budget)


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
                                 "params, tokens, flops, loss, budget; for example --columns "
                                 "params=N,loss=val_loss.")
        if key in mapping:
            raise ScalecalcError(f"--columns: {key} is mapped twice; give each role once.")
        if header.strip().lower() in (value.lower() for value in mapping.values()):
            raise ScalecalcError(f"--columns: {header.strip()!r} is mapped to two roles; give each "
                                 "role its own column.")
        mapping[key] = header.strip()
    if "tokens" in mapping and "flops" in mapping:
        raise ScalecalcError("--columns: map tokens or flops, not both; tokens are taken as given, or "
                             "derived as D = C/(6N) from flops.")
    return mapping


def read_runs(text: str, source: str, columns: dict[str, str] | None = None,
              flops_per_param_token: float = 6.0, *, skip_bad_rows: bool = False) -> Runs:
    """Parse CSV text; every bad row is reported with its line number, or skipped and counted."""
    if len(text) > MAX_FILE_BYTES:
        raise ScalecalcError(f"{source}: the file is larger than {MAX_FILE_BYTES // 2**20} MiB, the "
                             "limit for a runs file; give one row per run and only the columns needed.")
    reader = csv.reader(io.StringIO(text))
    lines = _numbered_rows(reader, source)
    header = next(lines, (1, None))[1]
    if not header or not any(cell.strip() for cell in header):
        raise ScalecalcError(f"{source}: the file is empty; it needs a header row and one row per run.")
    where = _locate_columns([cell.strip() for cell in header], source, columns or {})
    values: dict[str, list[float]] = {role: [] for role in ("params", "tokens", "loss")}
    labels: list[str] = []
    bad: list[tuple[int, str]] = []
    for line_number, row in lines:
        if not row or not any(cell.strip() for cell in row):
            continue
        parsed, problem = _parse_row(row, where, flops_per_param_token)
        label, label_problem = _budget_cell(row, where.get("budget"))
        problem = problem or label_problem
        if problem:
            bad.append((line_number, problem))
            continue
        if len(values["loss"]) == MAX_RUNS:
            raise ScalecalcError(f"{source}: more than {MAX_RUNS:,} runs, the limit for a fit; "
                                 "fit a sample of them.")
        for role, value in parsed.items():
            values[role].append(value)
        labels.append(label)
    excluded: dict[str, int] = {}
    if bad and not skip_bad_rows:
        shown = _first_few([f"line {number}: {problem}" for number, problem in bad], "; ")
        raise ScalecalcError(f"{source}: {len(bad)} bad row(s): {shown}; fix these rows (N and D from 1 "
                             "to 1e30, loss a positive number), or add --skip-bad-rows to leave them out.")
    if bad:
        numbers = _first_few([str(number) for number, _ in bad], ", ")
        excluded[f"unusable rows skipped (--skip-bad-rows), at line(s) {numbers}"] = len(bad)
    budget = np.array(labels, dtype=object) if "budget" in where else None
    return Runs(*(np.array(values[role]) for role in ("params", "tokens", "loss")), source, excluded, budget)


def _budget_cell(row: list[str], index: int | None) -> tuple[str, str | None]:
    """The run's budget/group label, as text; grouping decides later whether it is a number."""
    if index is None:
        return "", None
    cell = row[index].strip() if index < len(row) else ""
    if not cell:
        return cell, "budget is missing"
    if len(cell) > MAX_BUDGET_CHARS:
        return cell, f"budget {describe(cell)} is longer than {MAX_BUDGET_CHARS} characters"
    return cell, None


def _numbered_rows(reader: Any, source: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, row) pairs; a malformed CSV line is a message naming the line."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            too_long = "field larger than field limit" in str(error)
            problem = (f"a field is longer than {MAX_FIELD_CHARS:,} characters, the limit" if too_long
                       else f"the CSV is malformed ({error})")
            raise ScalecalcError(f"{source}: line {reader.line_num}: {problem}; give one run per row "
                                 "with plain comma-separated numbers.") from None
        yield reader.line_num, row


def _locate_columns(header: list[str], source: str, columns: dict[str, str]) -> dict[str, int]:
    lowered = [cell.lower() for cell in header]
    shown = ", ".join(header)
    where: dict[str, int] = {}
    for role, names in KNOWN_HEADERS.items():
        if role in columns:
            found = [index for index, cell in enumerate(lowered) if cell == columns[role].lower()]
            if not found:
                raise ScalecalcError(f"{source}: --columns names {columns[role]!r} for {role}, but the "
                                     f"header has {shown}.")
        else:
            found = [index for index, cell in enumerate(lowered) if cell in names]
        if len(found) > 1:
            # Which of two same-looking columns holds the runs is a guess we will not make.
            twice = " and ".join(repr(header[index]) for index in found)
            raise ScalecalcError(f"{source}: the header has {twice}, more than one column for {role}; "
                                 f"rename one, or choose one with --columns {role}=HEADER.")
        if found:
            where[role] = found[0]
    if "tokens" in where and "flops" in where:
        # Tokens given directly win over tokens derived from compute, unless --columns chose flops.
        del where["tokens" if "flops" in columns else "flops"]
    missing = [role for role in ("params", "loss") if role not in where]
    if "tokens" not in where and "flops" not in where:
        missing.append("tokens or flops")
    if missing:
        raise ScalecalcError(
            f"{source}: no column for {' and '.join(missing)} in the header ({shown}); "
            "name them params, tokens (or flops) and loss, or map them with --columns params=...,loss=....")
    return where


def _parse_row(row: list[str], where: dict[str, int], c0: float) -> tuple[dict[str, float], str | None]:
    parsed: dict[str, float] = {}
    for role in ROLES:
        if role not in where:
            continue
        index = where[role]
        cell = row[index].strip() if index < len(row) else ""
        if not cell:
            return parsed, f"{role} is missing"
        try:
            value = float(cell)
        except ValueError:
            return parsed, f"{role} {describe(cell)} is not a number"
        if not math.isfinite(value) or value <= 0:
            return parsed, f"{role} {describe(cell)} is not a positive finite number"
        parsed[role] = value
    if "flops" in parsed:
        parsed["tokens"] = parsed.pop("flops") / (c0 * parsed["params"])
    for role in ("params", "tokens"):
        if not 1 <= parsed[role] <= LARGEST_SIZE:
            return parsed, f"{role} {parsed[role]:g} is outside 1 to 1e30"
    return parsed, None


def _first_few(items: list[str], separator: str) -> str:
    """The first MAX_BAD_ROWS_SHOWN items, and how many more there are."""
    hidden = len(items) - MAX_BAD_ROWS_SHOWN
    return separator.join(items[:MAX_BAD_ROWS_SHOWN]) + (f" (and {hidden} more)" if hidden > 0 else "")


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
