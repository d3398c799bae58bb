"""Issue #3.4's pure rules: which supplier takes a line its own supplier lacks, and the record."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from po_automation.domain.fallback import (
    choose_fallback,
    fallback_draft_id,
    fallback_drafts,
    held,
    hold_count,
    mark_sending,
    may_have_reached_cerve,
    remove_lines,
    unavailable_lines,
)
from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.models import DraftLine, DraftPurchaseOrder, PriceBreak, SupplierOffer
from po_automation.domain.purchase_order import approve, new_record

NOW = datetime(2026, 12, 3, 6, 30, tzinfo=UTC)  # 06:30 in London
DELIVERY = date(2026, 12, 5)


def line(sku: str = "FC-FI-402", quantity: str = "35") -> DraftLine:
    return DraftLine(sku, f"prd_{sku}", Decimal(quantity), Decimal("17.06"), "need")


def draft(*lines: DraftLine) -> DraftPurchaseOrder:
    return DraftPurchaseOrder(
        draft_id="FC-20261203-sup_metro-20261205",
        supplier_id="sup_metro",
        supplier_name="Metro Fresh",
        delivery_date=DELIVERY,
        order_by=NOW + timedelta(hours=8),
        lines=lines or (line(),),
    )


def offer(supplier: str, price: str, **kw: object) -> SupplierOffer:
    values: dict[str, object] = {
        "sku": "FC-FI-402",
        "product_id": "prd_FC-FI-402",
        "supplier_id": supplier,
        "supplier_name": supplier.removeprefix("sup_").title(),
        "unit_price": Decimal(price),
        "pack_size": Decimal("5"),
        "min_order_qty": Decimal("5"),
        "lead_time_days": 1,
        "order_cutoff": time(11, 0),
        "available_qty": Decimal("0"),  # the cache's word; live stock is what counts
        "valid_until": NOW + timedelta(days=1),
    }
    values.update(kw)
    return SupplierOffer(**values)  # type: ignore[arg-type]


def test_a_line_the_supplier_cannot_fully_serve_is_unavailable_with_the_reason() -> None:
    d = draft(line("FC-FI-401", "40"), line("FC-FI-402", "35"))
    missing = unavailable_lines(d, {"prd_FC-FI-401": Decimal("40"), "prd_FC-FI-402": Decimal("20")})
    assert [(m.line.sku, m.reason) for m in missing] == [
        ("FC-FI-402", "Metro Fresh has 20 of 35 available")
    ]


def test_cheapest_landed_price_wins_and_a_big_minimum_is_not_cheap() -> None:
    d = draft()
    (missing,) = unavailable_lines(d, {})
    offers = [
        offer("sup_bulk", "15.00", pack_size=Decimal("10"), min_order_qty=Decimal("80")),
        offer("sup_north", "18.27", price_breaks=(PriceBreak(Decimal("25"), Decimal("17.72")),)),
        offer("sup_coast", "17.90"),
    ]
    stock = {"sup_bulk": Decimal("500"), "sup_north": Decimal("280"), "sup_coast": Decimal("100")}
    choice, _ = choose_fallback(d, missing, offers, stock, NOW)
    # 80 kg at £15.00 for a 35 kg need lands at £34.29/kg; North Sea's break gives £17.72.
    assert choice is not None and choice.offer.supplier_id == "sup_north"
    assert (choice.line.quantity, choice.line.unit_price) == (Decimal("35"), Decimal("17.72"))
    assert choice.line.replaced_supplier_id == "sup_metro"
    assert choice.line.reason.startswith("fallback from Metro Fresh: Metro Fresh has 0 of 35")


def test_quantity_is_rerounded_to_the_fallback_suppliers_pack_and_minimum() -> None:
    d = draft()
    (missing,) = unavailable_lines(d, {})
    choice, _ = choose_fallback(
        d,
        missing,
        [offer("sup_north", "18", pack_size=Decimal("10"))],
        {"sup_north": Decimal("99")},
        NOW,
    )
    assert choice is not None and choice.line.quantity == Decimal("40")
    assert choice.line.pack_size == Decimal("10")


def test_suppliers_too_late_without_stock_expired_or_the_original_never_win() -> None:
    d = draft()
    (missing,) = unavailable_lines(d, {})
    offers = [
        offer("sup_metro", "10"),
        offer("sup_slow", "11", lead_time_days=3),
        offer("sup_empty", "12"),
        offer("sup_stale", "13", valid_until=NOW),
    ]
    stock = {s: Decimal("100") for s in ("sup_metro", "sup_slow", "sup_stale")}
    choice, rejected = choose_fallback(d, missing, offers, stock, NOW)
    assert choice is None
    assert rejected == (
        "Slow: earliest delivery Sun 06 Dec is after Sat 05 Dec",
        "Empty: has 0 of 35 available",
        "Stale: price expired",
    )


def test_a_line_never_goes_back_to_the_supplier_it_replaced_and_ties_keep_order() -> None:
    d = draft(replace(line(), replaced_supplier_id="sup_first"))
    (missing,) = unavailable_lines(d, {})
    offers = [offer("sup_first", "1"), offer("sup_a", "18"), offer("sup_b", "18")]
    stock = {s: Decimal("100") for s in ("sup_first", "sup_a", "sup_b")}
    choice, _ = choose_fallback(d, missing, offers, stock, NOW)
    assert choice is not None and choice.offer.supplier_id == "sup_a"


def test_fallback_drafts_are_one_per_supplier_with_a_deterministic_id() -> None:
    d = draft(line("FC-FI-402"), replace(line("FC-FI-403"), product_id="prd_FC-FI-402"))
    missing = unavailable_lines(d, {})
    moves = []
    for gap in missing:
        o = offer("sup_north", "18", sku=gap.line.sku)
        choice, _ = choose_fallback(d, gap, [o], {"sup_north": Decimal("100")}, NOW)
        assert choice is not None
        moves.append(choice)
    (fb,) = fallback_drafts(d, moves, NOW)
    assert fb.draft_id == fallback_draft_id(d.draft_id, "sup_north") == f"{d.draft_id}-fb-sup_north"
    assert [li.sku for li in fb.lines] == ["FC-FI-402", "FC-FI-403"]
    assert fb.delivery_date == DELIVERY
    assert fb.order_by == datetime(2026, 12, 4, 11, 0, tzinfo=UTC)  # cut-off the day before


def test_removing_lines_lowers_the_total_at_a_new_revision_or_cancels_when_none_left() -> None:
    record = approve(new_record(draft(line("A", "10"), line("B", "10")), NOW), "p", "ok", NOW)
    smaller = remove_lines(record, {"B": "moved to X"}, NOW)
    assert smaller.status is PoStatus.APPROVED and smaller.revision == record.revision + 1
    assert [li.sku for li in smaller.draft.lines] == ["A"] and smaller.total < record.total
    assert remove_lines(smaller, {"B": "again"}, NOW) is smaller  # a retry changes nothing
    gone = remove_lines(smaller, {"A": "moved to Y"}, NOW)
    assert gone.status is PoStatus.CANCELLED and "A: moved to Y" in gone.history[-1].note


def test_a_send_marks_the_key_so_no_fallback_follows_and_holds_are_counted() -> None:
    record = approve(new_record(draft(), NOW), "p", "ok", NOW)
    assert not may_have_reached_cerve(record)
    sending = mark_sending(record, NOW)
    assert may_have_reached_cerve(sending) and mark_sending(sending, NOW) is sending
    assert sending.status is PoStatus.APPROVED
    # A new revision is a new key, never sent.
    assert not may_have_reached_cerve(replace(sending, revision=sending.revision + 1))
    assert hold_count(held(held(record, "no stock", NOW), "no stock", NOW)) == 2
