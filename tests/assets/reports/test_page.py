"""The HTML page: self-contained, autoescaped, read in headless Chromium at
1280 px with the Coaching Monitor inside the viewport; the SVG charts with
their axis titles and window means; evidence as quotes."""

import base64
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest
from browser import VIEWPORT, evaluate, load, monitor_overflow, page_errors, page_session
from marts_examples import agent_facing_id
from report_examples import publish

from assets.reports.charts import LEFT, PLOT_W
from assets.reports.columns import offset_text
from assets.reports.export import export_reports
from assets.reports.page import render_chart_svg
from assets.reports.report import ChartItem
from assets.reports.snapshot import DailyScore

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "test-artifacts"


def test_the_html_is_self_contained(center_files: dict[str, Path]) -> None:
    page = center_files["2024-03-20/center/coaching-report.html"].read_text()
    assert "<script" not in page.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "http://" not in page and "https://" not in page
    assert "url(" not in page and "@import" not in page
    assert "default-src 'none'" in page
    assert page.count('<svg class="chart"') == 4
    assert page.count('class="generated"') == 1


def test_the_page_escapes_what_the_data_says(tmp_path: Path) -> None:
    serving_file = publish(
        tmp_path,
        f"""update marts.agent_assignments set feedback = '<b>Bold</b> & "quoted"'
           where assignment_id = '{agent_facing_id("asg-1")}'""",
        "update marts.coaching_monitor set name = '<i>Mine</i>' where assignment_id = 'asg-1'",
    )
    paths = export_reports(serving_file, tmp_path / "exports", formats=["html"])
    paths += export_reports(serving_file, tmp_path / "exports", agent="agt-01", formats=["html"])
    pages = "\n".join(p.read_text() for p in paths if p.suffix == ".html")
    assert "<b>Bold</b>" not in pages and "<i>Mine</i>" not in pages
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &#34;quoted&#34;" in pages
    assert "&lt;i&gt;Mine&lt;/i&gt;" in pages


# ---------------------------------------------------------------------------
# Charts


def _chart(progress: dict) -> ET.Element:
    """A chart of 20 days (03-01 .. 03-20), assigned 03-15: the window before
    is 03-08 .. 03-14 (days 7 .. 13 of the chart), the current one 03-14 ..
    03-20 (days 13 .. 19). Scores 72 .. 87.2 and target 80 give the axis
    70 .. 90 in steps of 5."""
    item = ChartItem(
        assignment_id="asg-1",
        assignment_name="Empathy & more",
        agent_id="agt-01",
        agent_label="Ann Lee (agt-01)",
        attribute_id="empathy",
        attribute_name="Empathy",
        assigned_date=date(2024, 3, 15),
        start=date(2024, 3, 1),
        end=date(2024, 3, 20),
        target_score=80.0,
        progress=progress,
        points=tuple(
            DailyScore(date(2024, 3, 1) + timedelta(days=k), 72.0 + k * 0.8, 3) for k in range(20)
        ),
    )
    return ET.fromstring(str(render_chart_svg(item)))


def _by_class(svg: ET.Element, tag: str, *css: str) -> list[ET.Element]:
    """The chart's own elements of ``tag`` with every class of ``css`` (not the legend's)."""
    return [e for e in svg.findall(tag) if set(css) <= set(e.get("class", "").split())]


def test_a_chart_takes_the_page_width_and_titles_its_axes() -> None:
    svg = _chart({})
    assert svg.get("viewBox") == "0 0 960 280"
    assert svg.get("width") == "100%" and svg.get("height") is None
    titles = {e.text for e in _by_class(svg, "text", "axis-title")}
    assert titles == {"Day of the interactions", "Daily mean score (points)"}
    ticks = [e.text for e in _by_class(svg, "text", "axis") if e.get("text-anchor") == "end"]
    assert ticks == ["70", "75", "80", "85", "90"]
    # Without a progress row there is no window mean to draw.
    assert _by_class(svg, "line", "mean") == []


def test_a_chart_draws_each_windows_mean_over_its_days() -> None:
    svg = _chart({"score_at_assigned": 75.0, "current_score": 85.0})
    grid = {
        label.text: line.get("y1")
        for line, label in zip(
            _by_class(svg, "line", "grid"),
            [e for e in _by_class(svg, "text", "axis") if e.get("text-anchor") == "end"],
            strict=True,
        )
    }
    day = PLOT_W / 20
    for css, value, (first, last) in (
        ("mean-before", 75.0, (7, 14)),
        ("mean-current", 85.0, (13, 20)),
    ):
        (line,) = _by_class(svg, "line", css)
        (band,) = _by_class(svg, "rect", css.replace("mean", "win"))
        assert float(line.get("x1")) == float(band.get("x")) == round(LEFT + first * day, 1)
        assert float(line.get("x2")) == round(LEFT + last * day, 1)
        assert float(band.get("x")) + float(band.get("width")) == pytest.approx(
            float(line.get("x2"))
        )
        # A mean on a tick lies on that tick's grid line.
        assert line.get("y1") == line.get("y2") == grid[f"{value:g}"]
    labels = [e.text for e in _by_class(svg, "text", "mean-before-label")]
    labels += [e.text for e in _by_class(svg, "text", "mean-current-label")]
    assert labels == ["at assigned 75.00", "current 85.00"]


# ---------------------------------------------------------------------------
# Evidence


def test_an_offset_reads_as_minutes_and_seconds() -> None:
    assert [offset_text(s) for s in (0, 42, 59.9, 60, 125, 3725)] == [
        "0:00",
        "0:42",
        "0:59",
        "1:00",
        "2:05",
        "62:05",
    ]
    assert offset_text(None) is None


def test_evidence_reads_as_quotes_in_the_agents_log(serving_file: Path, tmp_path: Path) -> None:
    paths = export_reports(serving_file, tmp_path, agent="agt-01", formats=["html"])
    page = next(p for p in paths if p.suffix == ".html").read_text()
    # marts_examples: int-101 on 2024-03-12, score 61, "let me check that" 42 s in.
    quote = '<q>let me check that</q><span class="muted">'
    assert quote + "int-101 · 2024-03-12 · score 61.00 · at 0:42</span>" in page
    assert "interaction_id" not in page and "offset_s" not in page


# ---------------------------------------------------------------------------
# In a browser


def test_the_html_report_renders_in_chromium_with_no_error_and_no_request(
    center_files: dict[str, Path], tmp_path: Path
) -> None:
    page = center_files["2024-03-20/center/coaching-report.html"]
    with page_session(tmp_path / "profile", VIEWPORT) as (browser, session):
        load(browser, session, page)
        charts = evaluate(
            browser,
            session,
            """Array.from(document.querySelectorAll('svg.chart')).map(svg => [
                svg.getBoundingClientRect().width, svg.parentElement.clientWidth,
                svg.querySelectorAll('circle.point').length, Number(svg.dataset.points),
                svg.querySelectorAll(':scope > line.assigned').length,
                svg.querySelectorAll('line.mean').length])""",
        )
        shot = browser.send(
            "Page.captureScreenshot", session, format="png", captureBeyondViewport=True
        )
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "report.png").write_bytes(base64.b64decode(shot["data"]))

    requested = [
        e["params"]["request"]["url"]
        for e in browser.events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    assert requested == [page.as_uri()]
    assert page_errors(browser.events) == []
    assert len(charts) == 4
    for width, figure_width, circles, points, assigned_marks, means in charts:
        # The chart takes its figure's whole width, which is the page's.
        assert width == figure_width > VIEWPORT / 2
        assert circles == points > 0
        assert assigned_marks == 1
        assert means == 2  # every charted assignment of the default range has progress
    assert (ARTIFACTS / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_coaching_monitor_fits_a_1280_px_window(tmp_path: Path) -> None:
    # The longest values the monitor shows: a group's long name, a long agent
    # name, three attributes, the longest trend, status and plan status.
    serving_file = publish(
        tmp_path,
        """update marts.coaching_monitor set
               name = 'Active Listening huddle 12 (team-04): coaching on de-escalation',
               agent_name = 'Maximiliana Featherstonehaugh-Wolfeschlegelstein',
               attribute_ids = ['compliance', 'empathy', 'greeting'],
               scorecard_trend = 'insufficient_data', evaluation_trend = 'insufficient_data',
               status = 'Pending Supervisor Review', plan_status = 'Action Required'""",
    )
    paths = export_reports(serving_file, tmp_path / "exports", formats=["html"])
    page = next(p for p in paths if p.parent.name == "center" and p.suffix == ".html")
    measured = monitor_overflow(page, tmp_path / "profile")
    assert measured["window"] == VIEWPORT
    assert measured["past"] == []
    assert measured["scrolls"] == 0
    assert measured["rows"] == 4 and measured["columns"] == 8
