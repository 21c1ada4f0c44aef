"""One cell to one value, as the mapping and the table's column say; misfits are faults."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from deployer.data.convert import Converter, Fault
from deployer.data.table import TableColumn
from deployer.spec.dataimport import ColumnMapping

NULLS = frozenset({"", "NULL", "\\N"})


def converter(column: TableColumn | None = None, **mapping: Any) -> Converter:
    table = column or TableColumn("c", "varchar", nullable=True, char_length=64)
    return Converter("c", ColumnMapping.model_validate({"from": "c", **mapping}), table, NULLS)


def fault(convert: Converter, cell: Any) -> str:
    with pytest.raises(Fault) as raised:
        convert(cell)
    return raised.value.reason


def test_null_words_are_no_value_and_required_or_not_null_refuses_them() -> None:
    assert converter()("NULL") is None
    assert fault(converter(required=True), "") == "missing_required"
    not_null = TableColumn("c", "varchar", nullable=False, char_length=8)
    assert fault(converter(not_null), "\\N") == "missing_required"


def test_strings_trim_and_respect_the_smaller_of_both_lengths() -> None:
    assert converter(trim=True)("  甲  ") == "甲"
    assert fault(converter(max_length=3), "四个字符") == "too_long"
    short = TableColumn("c", "varchar", nullable=True, char_length=2)
    assert fault(converter(short, max_length=10), "abc") == "too_long"


def test_integers_from_text_and_workbook_numbers_within_the_column_range() -> None:
    column = TableColumn("c", "tinyint", nullable=True, unsigned=True)
    convert = converter(column, type="integer")
    assert convert(" 42 ") == 42 and convert(7.0) == 7
    assert fault(convert, "256") == "bad_type"
    assert fault(convert, "12a") == "bad_type"
    assert fault(convert, 1.5) == "bad_type"


def test_decimals_keep_their_scale_and_refuse_more_decimals_than_it_holds() -> None:
    column = TableColumn("c", "decimal", nullable=True, precision=6, scale=2)
    convert = converter(column, type="decimal")
    assert convert("1,234.5") == Decimal("1234.50")
    assert fault(convert, "1.234") == "bad_type"
    assert fault(convert, "12345.6") == "bad_type"
    assert fault(convert, "abc") == "bad_type"


def test_dates_in_the_formats_customers_write() -> None:
    column = TableColumn("c", "date", nullable=True)
    convert = converter(column, type="date", formats=["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"])
    assert convert("2019年3月7日") == convert("2019/03/07") == date(2019, 3, 7)
    assert convert(datetime(2019, 3, 7)) == date(2019, 3, 7)
    assert fault(convert, "07.03.2019") == "bad_type"


def test_booleans_in_customers_words_and_enums_by_their_map() -> None:
    column = TableColumn("c", "tinyint", nullable=True)
    flag = converter(column, type="boolean")
    assert (flag("是"), flag("N"), flag("Y")) == (True, False, True)
    assert fault(flag, "maybe") == "bad_type"
    enum = converter(type="enum", values={"正常": "active", "停用": "inactive"})
    assert enum("停用") == "inactive"
    assert fault(enum, "冻结") == "bad_type"
