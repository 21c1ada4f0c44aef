"""The product's FAQ (``product.faq``): questions engineers are asked after go-live, each
with its answer in Chinese and English, carried into the hand-over FAQ.

    entries:
      - question: {zh: 页面打不开怎么办？, en: The page does not open. What now?}
        answer: {zh: 先看健康检查页……, en: Open the health page first...}
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field

from deployer.spec import yamlsource
from deployer.spec.loader import validate_model
from deployer.spec.types import StrictModel, Text


class Wording(StrictModel):
    """One text in each language; a missing one is shown in the other."""

    zh: Text | None = Field(default=None, description="In Chinese.")
    en: Text | None = Field(default=None, description="In English.")

    def text(self, lang: str) -> str:
        first, other = (self.zh, self.en) if lang == "zh" else (self.en, self.zh)
        return first or other or ""


class FaqEntry(StrictModel):
    question: Wording
    answer: Wording


class Faq(StrictModel):
    entries: Annotated[list[FaqEntry], Field(min_length=1)] = Field(
        description="Questions and their answers, in the order shown."
    )


def load_faq(path: Path, shown: str | None = None) -> Faq:
    """The FAQ at ``path``; its mistakes raise SpecError at their line."""
    return validate_model(yamlsource.load(path, shown), Faq, {})
