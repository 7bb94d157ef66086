"""`scalecalc plot`: every kind of figure, drawn into a temporary folder and checked as an image."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scalecalc import plots

pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")

KINDS = {
    "isoflop": (("plot", "isoflop", "--flops", "1e19,1e21", "-p", "chinchilla", "-p", "besiroglu"),
                (7.5, 4.8)),
    "frontier": (("plot", "frontier", "-p", "chinchilla", "-p", "besiroglu", "-p", "kaplan"), (13.0, 4.5)),
    "contour": (("plot", "contour", "-p", "besiroglu", "--params", "1e8:1e12"), (7.5, 4.8)),
}


def _runs_csv(path: Path) -> Path:
    """Iso-FLOP sweeps at three budgets drawn from the chinchilla preset with a little noise."""
    import scalecalc

    law = scalecalc.load_preset("chinchilla").law
    rng = np.random.default_rng(0)
    lines = ["params,flops,loss"]
    for budget in (1e19, 1e20, 1e21):
        for ratio in np.logspace(np.log10(3), np.log10(5000), 10):  # D/N from 3 to 5000
            n = float(np.sqrt(budget / (6 * ratio)))
            loss = float(law.loss(n, budget / (6 * n))) * float(np.exp(rng.normal(0, 0.003)))
            lines.append(f"{n!r},{budget!r},{loss!r}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _check_png(path: Path, inches: tuple[float, float]) -> None:
    from matplotlib.image import imread

    image = imread(path)
    height, width = image.shape[:2]
    assert (width, height) == (round(inches[0] * plots.DPI), round(inches[1] * plots.DPI))
    pixels = image[..., :3]
    assert pixels.std() > 0.05  # not blank
    assert (pixels < 0.5).mean() > 0.005  # some dark ink: axes, labels, lines


@pytest.mark.parametrize("kind", KINDS)
def test_each_figure_is_a_valid_nonblank_png(run_inprocess, tmp_path: Path, kind: str) -> None:
    args, inches = KINDS[kind]
    out = tmp_path / f"{kind}.png"
    result = run_inprocess(*args, "--out", str(out))
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == str(out)
    _check_png(out, inches)


@pytest.mark.parametrize("with_preset", [False, True])
def test_fit_diagnostics(run_inprocess, tmp_path: Path, with_preset: bool) -> None:
    runs = _runs_csv(tmp_path / "runs.csv")
    out = tmp_path / "fit.png"
    extra: tuple[str, ...] = ("--bootstrap", "40", "--seed", "1")
    if with_preset:
        saved = tmp_path / "law.toml"
        fitted = run_inprocess("fit", str(runs), "--bootstrap", "40", "--save", str(saved), "-f", "csv")
        assert fitted.code == 0, fitted.stderr
        extra = ("--preset", str(saved))
    result = run_inprocess("plot", "fit", str(runs), *extra, "--out", str(out))
    assert result.code == 0, result.stderr
    _check_png(out, plots.WIDE)


def test_three_budgets_make_three_groups() -> None:
    assert sorted(set(plots._groups(np.array([1e19, 1.1e19, 1e20, 0.95e20, 1e21])).tolist())) == [0, 1, 2]


def test_svg_and_pdf_by_extension(run_inprocess, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    svg, pdf = tmp_path / "f.svg", tmp_path / "f.pdf"
    assert run_inprocess("plot", "isoflop", "--out", str(svg)).code == 0
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg") and root.get("width") == "540pt"
    assert root.get("height").startswith("345.6")
    assert run_inprocess("plot", "contour", "--out", str(pdf)).code == 0
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF") and b"/MediaBox [ 0 0 540 345.6 ]" in content


def test_default_name_is_used_and_printed(run_inprocess, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_inprocess("plot", "frontier")
    assert result.code == 0 and result.stdout.strip() == "scalecalc-frontier.png"
    assert (tmp_path / "scalecalc-frontier.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plot", "isoflop", "--out", "figure.jpg"), "end it in .png, .svg or .pdf"),
        (("plot", "isoflop", "--out", "no/such/folder/f.png"), "does not exist"),
        (("plot", "isoflop", "-p", "chinchilla-approach1"), "no loss law"),
        (("plot", "contour", "--params", "1e12:1e8"), "backwards"),
        (("plot", "fit", "missing.csv"), "does not exist"),
    ],
)
def test_plot_errors(run_inprocess, args, message) -> None:
    result = run_inprocess(*args)
    assert result.code == 2 and result.stdout == "" and message in result.stderr


def test_without_matplotlib_plot_says_how_to_install(run_inprocess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    result = run_inprocess("plot", "isoflop")
    assert result.code == 2 and result.stdout == ""
    assert "pip install 'scalecalc[plot]'" in result.stderr


def test_other_commands_never_import_matplotlib() -> None:
    code = ("import sys; from scalecalc.cli import main; "
            "main(['table', '--preset', 'all', '--format', 'csv']); "
            "main(['optimal', '--flops', '1e22', '--format', 'json']); "
            "sys.stderr.write(str(any(m.startswith('matplotlib') for m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stderr.strip().endswith("False")


def test_bare_plot_asks_for_a_figure(run_inprocess) -> None:
    result = run_inprocess("plot")
    assert result.code == 2 and result.stdout == "" and "choose a figure" in result.stderr
