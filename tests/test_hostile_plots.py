"""Hostile input to `scalecalc plot` and to scalecalc.outfiles: every way found to lose a file, crash,
or draw a figure a reader cannot read. Figures are drawn into tmp_path only."""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

import numpy as np
import pytest
from hostile import refused as _refused

import scalecalc
from scalecalc import outfiles, plots
from scalecalc.errors import ScalecalcError

pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")

QUICK = {  # the cheapest call of each kind of figure
    "isoflop": ("plot", "isoflop", "--flops", "1e20"),
    "frontier": ("plot", "frontier", "--flops", "1e19:1e21", "-p", "besiroglu"),
    "contour": ("plot", "contour", "--params", "1e8:1e10", "--tokens", "1e9:1e11"),
}
PNG = b"\x89PNG\r\n\x1a\n"



def _runs_csv(path: Path, params: float = 1e8, loss: float = 3.0) -> Path:
    rows = [f"{params * k!r},{1e10 * k!r},{loss * (1 + 0.01 * k)!r}" for k in range(1, 9)]
    path.write_text("params,tokens,loss\n" + "\n".join(rows) + "\n")
    return path


def _help(run_inprocess, *args: str) -> str:
    """--help text with the panel borders and line breaks taken out."""
    result = run_inprocess(*args, "--help")
    assert result.code == 0
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stdout).split())


# 1. Data loss: no file is ever replaced without --force.

@pytest.mark.parametrize("kind", QUICK)
def test_existing_file_is_kept_without_force_and_replaced_with_it(run_inprocess, tmp_path, kind) -> None:
    out = tmp_path / "figure.png"
    out.write_bytes(b"precious")
    _refused(run_inprocess(*QUICK[kind], "--out", str(out)), "already exists; add --force")
    assert out.read_bytes() == b"precious"
    result = run_inprocess(*QUICK[kind], "--out", str(out), "--force")
    assert result.code == 0 and result.stdout.strip() == str(out)
    assert out.read_bytes().startswith(PNG)


def test_plot_fit_keeps_an_existing_file_too(run_inprocess, tmp_path) -> None:
    out = tmp_path / "fit.png"
    out.write_bytes(b"precious")
    _refused(run_inprocess("plot", "fit", str(_runs_csv(tmp_path / "runs.csv")), "--out", str(out)),
             "add --force")
    assert out.read_bytes() == b"precious"


def test_second_run_with_the_default_name_is_refused(run_inprocess, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_inprocess(*QUICK["isoflop"]).stdout.strip() == "scalecalc-isoflop.png"
    first = (tmp_path / "scalecalc-isoflop.png").read_bytes()
    _refused(run_inprocess(*QUICK["isoflop"]), "scalecalc-isoflop.png already exists; add --force")
    assert (tmp_path / "scalecalc-isoflop.png").read_bytes() == first


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_out_is_refused_not_the_default(run_inprocess, tmp_path, monkeypatch, name) -> None:
    monkeypatch.chdir(tmp_path)
    _refused(run_inprocess(*QUICK["isoflop"], "--out", name), "--out: the file name is empty")
    assert list(tmp_path.iterdir()) == []


# 2. Crashes: unwritable places, a full disk, ranges no figure can draw.

def test_unwritable_folder_is_refused(run_inprocess, tmp_path, monkeypatch) -> None:
    # Tests may run as root, for whom chmod does not stop writing; os.access is what is asked.
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if Path(path) == tmp_path
                        else real_access(path, mode, **kw))
    _refused(run_inprocess(*QUICK["isoflop"], "--out", str(tmp_path / "f.png")), "is not writable")
    assert list(tmp_path.iterdir()) == []


def test_permission_lost_while_writing_is_one_sentence(run_inprocess, tmp_path, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    _refused(run_inprocess(*QUICK["isoflop"], "--out", str(tmp_path / "f.png")),
             "(Permission denied); nothing was written, so choose a folder you can write to.")


@pytest.mark.parametrize("force", [False, True])
def test_full_disk_leaves_no_half_file(run_inprocess, tmp_path, monkeypatch, force) -> None:
    out = tmp_path / "f.png"
    if force:
        out.write_bytes(b"old figure")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    args = ("--force",) if force else ()
    _refused(run_inprocess(*QUICK["isoflop"], "--out", str(out), *args),
             "(No space left on device); nothing was written, so free some space")
    assert [p.name for p in tmp_path.iterdir()] == (["f.png"] if force else [])  # no temporary left
    if force:
        assert out.read_bytes() == b"old figure"


@pytest.mark.parametrize("target", ["folder", "folder/", "file/x.png", "missing/x.png"])
def test_out_onto_folders_and_through_files(run_inprocess, tmp_path, target) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    gist = {"folder": "is a folder", "folder/": "is a folder", "file/x.png": "is a file, not a folder",
            "missing/x.png": "does not exist"}[target]
    _refused(run_inprocess(*QUICK["isoflop"], "--out", str(tmp_path / target)), gist)


@pytest.mark.parametrize(
    ("args", "gist"),
    [
        (("plot", "frontier", "--flops", "1e-300:1e300"), "--flops: 1e-300 is below 1"),
        (("plot", "frontier", "--flops", "10:1e300"), "give budgets from 1e6 to 1e40"),
        (("plot", "isoflop", "--flops", "1e300"), "give budgets from 1e6 to 1e40"),
        (("plot", "isoflop", "--flops", "1e19:1e60"), "give budgets from 1e6 to 1e40"),
        (("plot", "contour", "--params", "1e-300:1e300"), "--params: 1e-300 is below 1"),
        (("plot", "contour", "--params", "1:1e300"), "give parameter counts from 1 to 1e18"),
        (("plot", "contour", "--tokens", "1:1e300"), "give token counts from 1 to 1e18"),
        (("plot", "contour", "-p", "all"), "plot contour draws one preset"),
        (("plot", "contour", "-p", "besiroglu", "-p", "chinchilla"), "draws one preset"),
    ],
)
def test_ranges_a_figure_cannot_draw(run_inprocess, tmp_path, args, gist) -> None:
    _refused(run_inprocess(*args, "--out", str(tmp_path / "f.png")), gist)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("params", "loss", "gist"),
    [(1e-300, 3.0, "params 1e-300 is outside 1 to 1e30"), (1e25, 3.0, "from 1 to 1e18"),
     (1e8, 1e-300, "give losses (nats per token) from 1e-6 to 1e6")],
)
def test_plot_fit_on_runs_no_figure_can_draw(run_inprocess, tmp_path, params, loss, gist) -> None:
    runs = _runs_csv(tmp_path / "runs.csv", params, loss)
    for extra in ((), ("-p", "chinchilla")):
        _refused(run_inprocess("plot", "fit", str(runs), *extra, "--out", str(tmp_path / "f.png")), gist)


@pytest.mark.parametrize(
    ("args", "gist"),
    [
        (("plot", "contour", "--set", "A=1e300"), "outside 1e-6 to 1e6 here, so there is nothing to draw"),
        (("plot", "isoflop", "--set", "B=1e-300"), "gives optimal sizes that overflow or vanish"),
        (("plot", "frontier", "-p", "besiroglu", "--set", "A=1e300"), "overflow or vanish"),
        (("plot", "contour", "--set", "A=1e-300", "--set", "B=1e-300"), "predicts the same loss all over"),
    ],
)
def test_laws_whose_numbers_overflow(run_inprocess, tmp_path, args, gist) -> None:
    _refused(run_inprocess(*args, "--out", str(tmp_path / "f.png")), gist)  # no NumPy warning either


# 3. isoflop --preset all: every preset told apart without colour.

def test_isoflop_gives_each_preset_its_own_dashes_and_marker() -> None:
    from scalecalc.cli.app import load_presets

    presets = load_presets(["all"], need_law=True)
    assert len(presets) >= 5
    figure = plots.isoflop(presets, np.array([1e20, 1e21]))
    handles = figure.axes[0].get_legend().legend_handles
    assert [h.get_label() for h in handles] == [plots.label(p) for p in presets]
    assert len({h.get_marker() for h in handles}) == len(presets)
    # Line2D keeps the dash pattern it draws (offset, on-off sequence) in _unscaled_dash_pattern.
    dashes = {(h._unscaled_dash_pattern[0], tuple(h._unscaled_dash_pattern[1] or ())) for h in handles}
    assert len(dashes) == len(presets)


def test_more_presets_than_styles_is_refused() -> None:
    preset = scalecalc.load_preset("besiroglu")
    with pytest.raises(ScalecalcError, match="at most 10"):
        plots.check_presets([preset] * (len(plots.STYLES) + 1))


# 4. frontier honours each preset's fitted range and marks a preset that states none.

def _without_range(tmp_path: Path) -> Path:
    text = (Path(scalecalc.load_preset("besiroglu").path)).read_text()
    kept = text.split("[fitted_range]")[0]
    rest = text.split("[fitted_range]")[1].split("\n[", 1)
    path = tmp_path / "norange.toml"
    path.write_text(kept.replace('name = "besiroglu"', 'name = "norange"')
                    + ("[" + rest[1] if len(rest) > 1 else ""))
    return path


def test_frontier_marks_a_preset_without_a_fitted_range(tmp_path) -> None:
    from scalecalc import presets as preset_files

    bare = preset_files.load(str(_without_range(tmp_path)))
    assert bare.fitted_range == {}
    fitted = scalecalc.load_preset("besiroglu")
    budgets = np.logspace(18, 26, 33)
    figure = plots.frontier([bare, fitted], budgets)
    by_params = figure.axes[0]
    labels = [h.get_label() for h in by_params.get_legend().legend_handles]
    assert labels[0].endswith("no fitted range stated") and "no fitted range" not in labels[1]
    bare_lines, fitted_lines = by_params.lines[:1], by_params.lines[1:3]
    assert [line.get_linestyle() for line in bare_lines] == [":"]  # never drawn as inside
    solid = fitted_lines[1]
    assert solid.get_linestyle() == "-"
    drawn = np.asarray(solid.get_xdata())[np.isfinite(np.asarray(solid.get_ydata(), dtype=float))]
    low, high = fitted.fitted_range["flops"]
    assert drawn.size and drawn.min() >= low and drawn.max() <= high


# 5. contour labels: dark on a light outline, all whole inside the axes.

@pytest.mark.parametrize(("preset", "params", "tokens"),
                         [("besiroglu", (1e7, 1e13), (1e8, 1e14)), ("kaplan", (1.0, 1e18), (1.0, 1e18)),
                          ("chinchilla", (1e9, 1e10), (1e10, 1e11))])
def test_contour_labels_are_legible_and_inside(preset, params, tokens) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import to_rgba
    from matplotlib.patheffects import withStroke

    figure = plots.contour(scalecalc.load_preset(preset), params, tokens)
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    axes = figure.axes[0]
    box = axes.get_window_extent(renderer)
    texts = axes.texts
    assert len(texts) >= 5  # contour levels and lines of constant C
    for text in texts:
        extent = text.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1 and box.y0 <= extent.y0 and extent.y1 <= box.y1
        assert to_rgba(text.get_color(), text.get_alpha()) == (0.0, 0.0, 0.0, 1.0)  # opaque black
        assert any(isinstance(effect, withStroke) for effect in text.get_path_effects())


def test_contour_range_too_narrow(run_inprocess, tmp_path) -> None:
    result = run_inprocess("plot", "contour", "--params", "1e9:1.0000001e9", "--out", str(tmp_path / "c.png"))
    _refused(result, "spans less than a factor of 10")


# 6 and 7. Help: what frontier really draws; metavars; --out's default and --force.

def test_frontier_help_says_it_draws_every_preset(run_inprocess) -> None:
    text = _help(run_inprocess, "plot", "frontier")
    assert "Default: every built-in preset" in text
    assert "Default: besiroglu" not in text and "Default: chinchilla" not in text


@pytest.mark.parametrize("kind", ["isoflop", "frontier", "contour", "fit"])
def test_plot_options_have_metavars_and_out_says_its_default(run_inprocess, kind) -> None:
    import typer

    from scalecalc.cli import full_app

    allowed = {"FLOPS", "SIZE", "LIST", "FILE", "PATH", "NAME", "PERCENT", "INTEGER", "NUMBER", "NAME=NUMBER"}
    command = typer.main.get_command(full_app()).commands["plot"].commands[kind]
    for param in command.params:
        if param.param_type_name == "option" and not param.is_flag and param.name != "help":
            assert param.metavar in allowed, (kind, param.name, param.metavar)
    text = _help(run_inprocess, "plot", kind)
    assert f"default scalecalc-{kind}.png" in text and "replaced only with --force" in text
    assert "--force Replace the --out file if it exists" in text


def test_help_bounds_agree_with_the_drawing_code(run_inprocess) -> None:
    flops = f"from {plots.short(plots.FLOPS_BOUNDS[0])} to {plots.short(plots.FLOPS_BOUNDS[1])} FLOPs"
    counts = f"within {plots.short(plots.COUNT_BOUNDS[0])} to {plots.short(plots.COUNT_BOUNDS[1])}"
    assert flops in _help(run_inprocess, "plot", "isoflop")
    assert flops in _help(run_inprocess, "plot", "frontier")
    assert f"at most {plots.MAX_BUDGETS}" in _help(run_inprocess, "plot", "isoflop")
    assert f"1 to {plots.MAX_PER_DECADE}" in _help(run_inprocess, "plot", "frontier")
    assert counts in _help(run_inprocess, "plot", "contour")


# 8. Everything else an adversary tried.

@pytest.mark.parametrize(
    ("args", "gist"),
    [
        (("plot", "frontier", "--per-decade", "100000000"), "--per-decade: give a whole number from 1 to"),
        (("plot", "frontier", "--per-decade", "0"), "from 1 to 100"),
        (("plot", "frontier", "--flops", "1e20,1e21", "--per-decade", "3"), "goes with a range"),
        (("plot", "frontier", "--flops", "1e20"), "at least 2 different budgets"),
        (("plot", "isoflop", "--flops", "1e10:1e23"), "14 budgets would be 14 curves; give at most 12"),
        (("plot", "isoflop", "--out", "-"), "'-' (standard output) cannot take this file"),
        (("plot", "isoflop", "--out", "figure.jpg"), "ends in .jpg; end it in .png, .svg or .pdf"),
        (("plot", "isoflop", "--out", "figure"), "has no extension"),
        (("plot", "isoflop", "--out", ".png"), "has no name before its extension"),
        (("plot", "isoflop", "--out", "a" * 300 + ".png"), "(File name too long); choose a shorter name"),
    ],
)
def test_other_bad_options(run_inprocess, tmp_path, monkeypatch, args, gist) -> None:
    monkeypatch.chdir(tmp_path)
    _refused(run_inprocess(*args), gist)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "gist"), [(("--bootstrap", "100000000"), "from 2 to 10,000"),
                                            (("--bootstrap", "5", "--seed", "-1"), "--seed: give a whole")])
def test_plot_fit_bounds(run_inprocess, tmp_path, args, gist) -> None:
    runs = _runs_csv(tmp_path / "runs.csv")
    _refused(run_inprocess("plot", "fit", str(runs), *args, "--out", str(tmp_path / "f.png")), gist)


def test_plot_fit_never_replaces_its_own_runs_file(run_inprocess, tmp_path) -> None:
    runs = _runs_csv(tmp_path / "runs.png")  # a CSV with an odd name is still an input
    before = runs.read_bytes()
    result = run_inprocess("plot", "fit", str(runs), "--out", str(runs), "--force")
    _refused(result, "is the runs file itself")
    assert runs.read_bytes() == before


def test_a_pipe_is_never_replaced_even_with_force(run_inprocess, tmp_path) -> None:
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    _refused(run_inprocess(*QUICK["isoflop"], "--out", str(fifo)), "already exists")
    _refused(run_inprocess(*QUICK["isoflop"], "--out", str(fifo), "--force"), "is not a regular file")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_unicode_and_upper_case_names_work(run_installed, tmp_path) -> None:
    for name in ("ünïcødé ✓ figure.png", "FIGURE.PNG"):
        result = run_installed(*QUICK["isoflop"], "--out", name, cwd=tmp_path)
        assert result.code == 0 and result.stdout.strip() == name, result.stderr
        assert (tmp_path / name).read_bytes().startswith(PNG)


def test_svg_and_pdf_are_written_whole(run_inprocess, tmp_path) -> None:
    for name, head in (("f.svg", b"<?xml"), ("f.pdf", b"%PDF")):
        assert run_inprocess(*QUICK["contour"], "--out", str(tmp_path / name)).code == 0
        content = (tmp_path / name).read_bytes()
        ending = b"</svg>" if name.endswith(".svg") else b"%%EOF"
        assert content.startswith(head) and content.rstrip().endswith(ending)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.pdf", "f.svg"]


# scalecalc.outfiles on its own: the rules every writer shares.

def test_write_refuses_a_file_that_appears_while_drawing(tmp_path) -> None:
    out = tmp_path / "late.png"

    def fill(stream) -> None:
        out.write_bytes(b"someone else's")
        stream.write(b"mine")

    with pytest.raises(ScalecalcError, match="appeared while it was being drawn; add --force"):
        outfiles.write(out, fill)
    assert out.read_bytes() == b"someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["late.png"]


def test_write_cleans_up_after_an_interrupt(tmp_path) -> None:
    def fill(stream) -> None:
        stream.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        outfiles.write(tmp_path / "f.png", fill)
    assert list(tmp_path.iterdir()) == []


def test_write_through_a_link_keeps_the_link(tmp_path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    with pytest.raises(ScalecalcError, match="already exists"):
        outfiles.check_target(str(link))
    outfiles.write_text(outfiles.check_target(str(link), force=True), "new", force=True)
    assert link.is_symlink() and real.read_text() == "new"


def test_new_files_get_the_usual_permissions(tmp_path) -> None:
    mask = os.umask(0o022)
    try:
        outfiles.write_text(tmp_path / "f.toml", "x = 1\n")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "f.toml").stat().st_mode) == 0o644  # not mkstemp's 0600
