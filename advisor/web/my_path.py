"""The chat UI's "My path" tab: a short profile form, the readiness report with a bar per area, and the plan
as a Markdown download. It calls `Advisor.readiness`, as the API and the CLI do.

The profile is not stored or logged. The downloadable file is written to a private temporary folder, which
Gradio copies into its cache; the Blocks' cache is emptied of files older than `DOWNLOAD_TTL_SECONDS`.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from advisor.readiness import Profile
from advisor.readiness.markdown import render_markdown

if TYPE_CHECKING:
    import gradio as gr

    from advisor.service import Advisor

log = logging.getLogger(__name__)

DOWNLOAD_TTL_SECONDS = 900
INTRO = ("Tell the advisor where you stand; it checks you against what the articles ask of a medical "
         "director, quotes each requirement, and plans your next 90 days. Nothing you enter here is stored.")
HAVE = [("Board certification", "board_certified"),
        ("An unrestricted medical license", "unrestricted_license"),
        ("A mentor in a senior leadership role", "mentor"), ("Budget experience", "budget_experience"),
        ("Regulatory knowledge (HIPAA, accreditation)", "regulatory_knowledge")]
ROLES = [("Chief resident", "chief resident"),
         ("Section chief or department chair", "section chief or chair"),
         ("Assistant or associate medical director", "assistant or associate medical director"),
         ("Led a project (an EHR module, a task force)", "led a project")]
EDUCATION = ["MBA", "MHA", "MPH", "CPE", "CMQ", "leadership course"]
SETTING_LABELS = [("Hospital or health system", "hospital"), ("Clinical department", "clinical_department"),
                  ("Pharma or biotech", "pharma_biotech"), ("Health insurer", "insurer"),
                  ("Government", "government"), ("Academic", "academic"), ("Telemedicine", "telemedicine"),
                  ("Long-term care", "long_term_care"), ("Nonprofit", "nonprofit"),
                  ("Consulting", "consulting"),
                  ("Regional", "regional"), ("Sports medicine", "sports_medicine")]


def profile_from_form(degree: str | None, specialty: str, years: float | None, training: str, have: list[str],
                      roles: list[str], other_roles: str, committees: str, education: list[str],
                      targets: list[str]) -> Profile:
    """The profile the form describes. A form states the whole situation: an unticked box or an empty list
    means "none"; only the degree, specialty, years and training year may be left unsaid.
    Raises ValidationError."""
    return Profile.model_validate({
        "degree": degree or None, "specialty": specialty.strip() or None,
        "years_in_practice": years, "training_year": training.strip() or None,
        **{name: name in have for _, name in HAVE},
        "roles": [*roles, *_items(other_roles)], "committees": _items(committees),
        "education": list(education), "target_settings": list(targets),
    })


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


class MyPathHandlers:
    """The tab's event handler, over the advisor."""

    def __init__(self, advisor: Advisor, folder: Path | None = None) -> None:
        self.advisor = advisor
        self.folder = folder

    def report(self, *form: Any) -> tuple[str, Any]:
        """The report as Markdown for the page, and the download button (shown once there is a plan)."""
        import gradio as gr

        try:
            profile = profile_from_form(*form)
        except ValidationError as exc:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) or "profile" for e in exc.errors())
            return f"Please check: {fields}. {exc.errors()[0]['msg']}.", gr.DownloadButton(visible=False)
        try:
            report = self.advisor.readiness(profile)
        except Exception:  # the page must stay usable  # noqa: BLE001
            log.exception("the readiness report failed in the chat UI")
            return "Sorry, the report is not available right now.", gr.DownloadButton(visible=False)
        markdown = render_markdown(report)
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="advisor-my-path-"))
        path = Path(tempfile.mkstemp(prefix="my-path-", suffix=".md", dir=self.folder)[1])
        path.write_text(markdown, encoding="utf-8")
        return markdown, gr.DownloadButton(value=str(path), visible=True)


def add_my_path_tab(advisor: Advisor, blocks: gr.Blocks) -> None:
    """Add the "My path" tab inside the `gr.Tabs()` being built."""
    import gradio as gr

    handlers = MyPathHandlers(advisor)
    if blocks.delete_cache is None:  # the downloads hold personal facts: do not keep them for long
        blocks.delete_cache = (DOWNLOAD_TTL_SECONDS, DOWNLOAD_TTL_SECONDS)
    with gr.Tab("My path", id="my-path", elem_id="my-path"):
        gr.Markdown(INTRO, elem_id="my-path-intro")
        with gr.Row(equal_height=True):
            degree = gr.Dropdown([("MD", "MD"), ("DO", "DO"), ("Other", "other")], value=None, label="Degree",
                                 elem_id="my-path-degree", min_width=120)
            years = gr.Number(label="Years in practice", minimum=0, maximum=70, value=None,
                              elem_id="my-path-years", min_width=120)
            training = gr.Textbox(label="Training year, if training", placeholder="PGY-2", max_length=40,
                                  elem_id="my-path-training", min_width=120)
        specialty = gr.Textbox(label="Specialty", placeholder="hospital medicine", max_length=120,
                               elem_id="my-path-specialty")
        have = gr.CheckboxGroup(HAVE, label="I have", elem_id="my-path-have")
        roles = gr.CheckboxGroup(ROLES, label="Roles held", elem_id="my-path-roles")
        other_roles = gr.Textbox(label="Other roles or projects (comma-separated)", max_length=600,
                                 elem_id="my-path-other-roles")
        committees = gr.Textbox(label="Committees (comma-separated)", max_length=600,
                                placeholder="quality improvement, ethics", elem_id="my-path-committees")
        education = gr.CheckboxGroup(EDUCATION, label="Degrees and certificates", elem_id="my-path-education")
        targets = gr.CheckboxGroup(SETTING_LABELS, label="Where you want to work", elem_id="my-path-targets")
        go = gr.Button("Show my path", variant="primary", elem_id="my-path-go")
        # Markdown, not gr.HTML: gr.HTML runs templates through `new Function`; the CSP forbids it.
        report = gr.Markdown(elem_id="my-path-report", latex_delimiters=[], sanitize_html=True)
        download = gr.DownloadButton("Download the plan (Markdown)", visible=False,
                                     elem_id="my-path-download")
        form = [degree, specialty, years, training, have, roles, other_roles, committees, education, targets]
        go.click(handlers.report, form, [report, download], api_visibility="private")
