"""The source adapters: good rows become domain objects, bad rows are reported and skipped."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from po_automation.domain.models import Category, CustomerOrderStatus, ProductStatus
from po_automation.sources import (
    MissingColumnError,
    RowError,
    read_last_prices,
    read_order_lines,
    read_product_master,
    read_purchase_history,
    read_stock_snapshot,
    read_vendor_master,
)

SKUS = {"FC-PR-101", "FC-FI-401"}


def stream(text: str) -> io.StringIO:
    return io.StringIO(text, newline="")


ORDERS_HEADER = (
    "OrderNumber,OrderItemNumber,Account.Name,Product2.ProductCode,Quantity,"
    "EffectiveDate,Requested_Delivery_Date__c,Status\n"
)


class TestSalesforceOrderLines:
    def test_good_rows_become_order_lines(self) -> None:
        result = read_order_lines(
            stream(
                ORDERS_HEADER
                + "00010001,0000000001,Borough Bistro,FC-FI-401,362.15,"
                + "2026-12-01,2026-12-03,Activated\n"
                + '00010001,0000000002,"Rules, Covent Garden",FC-PR-101,4,'
                + "2026-11-30,2026-12-01,Fulfilled\n"
            ),
            "orders.csv",
            known_skus=SKUS,
        )
        assert result.errors == []
        assert result.rows_read == 2
        first, second = result.records
        assert first.quantity == Decimal("362.15")
        assert isinstance(first.quantity, Decimal)
        assert first.status is CustomerOrderStatus.OPEN
        assert first.order_date == date(2026, 12, 1)
        assert first.delivery_date == date(2026, 12, 3)
        assert (first.order_id, first.line_id, first.account) == (
            "00010001",
            "0000000001",
            "Borough Bistro",
        )
        assert second.account == "Rules, Covent Garden"
        assert second.status is CustomerOrderStatus.FULFILLED

    def test_each_bad_row_is_reported_with_its_line_and_the_rest_kept(self) -> None:
        rows = [
            "1,1,A,FC-PR-101,2,2026-12-01,2026-12-02,Fulfilled",  # line 2: good
            "1,2,A,FC-PR-999,2,2026-12-01,2026-12-02,Fulfilled",  # 3: unknown SKU
            "1,3,A,FC-PR-101,-4,2026-12-01,2026-12-02,Fulfilled",  # 4: negative
            '1,4,A,FC-PR-101,"12,5",2026-12-01,2026-12-02,Fulfilled',  # 5: not a number
            "1,5,A,FC-PR-101,2,2026-11-31,2026-12-02,Fulfilled",  # 6: no such date
            "1,6,A,FC-PR-101,2,2026-12-01,2026-12-02,Shipped",  # 7: good
            "1,7,A,FC-PR-101,2,2026-12-01,2026-12-02,Booked",  # 8: unknown status
            "1,8,A,FC-PR-101,2,2026-12-01",  # 9: short row
        ]
        result = read_order_lines(
            stream(ORDERS_HEADER + "\n".join(rows) + "\n"), "orders.csv", known_skus=SKUS
        )
        assert [r.line_id for r in result.records] == ["1", "6"]
        assert result.rows_read == 8
        assert [(e.file, e.line) for e in result.errors] == [
            ("orders.csv", 3),
            ("orders.csv", 4),
            ("orders.csv", 5),
            ("orders.csv", 6),
            ("orders.csv", 8),
            ("orders.csv", 9),
        ]
        reasons = [e.reason for e in result.errors]
        assert "unknown SKU 'FC-PR-999'" in reasons[0]
        assert "Quantity is negative" in reasons[1]
        assert "Quantity is not a number: '12,5'" in reasons[2]
        assert "EffectiveDate is not a valid date" in reasons[3]
        assert "unknown Status 'Booked'" in reasons[4]
        assert "expected 8 fields, found 6" in reasons[5]

    def test_line_numbers_count_physical_lines_after_a_multiline_field(self) -> None:
        text = (
            ORDERS_HEADER
            + '1,1,"Multi\nline account",FC-PR-101,2,2026-12-01,2026-12-02,Fulfilled\n'
            + "1,2,A,FC-PR-101,x,2026-12-01,2026-12-02,Fulfilled\n"
        )
        result = read_order_lines(stream(text), "orders.csv")
        assert result.errors == [RowError("orders.csv", 4, "Quantity is not a number: 'x'")]

    def test_blank_lines_are_not_rows(self) -> None:
        text = ORDERS_HEADER + "\n1,1,A,FC-PR-101,2,2026-12-01,2026-12-02,Fulfilled\n\n"
        result = read_order_lines(stream(text), "orders.csv")
        assert result.rows_read == 1
        assert len(result.records) == 1

    def test_without_known_skus_any_sku_is_accepted(self) -> None:
        text = ORDERS_HEADER + "1,1,A,ANYTHING,2,2026-12-01,2026-12-02,Fulfilled\n"
        assert read_order_lines(stream(text), "orders.csv").records[0].sku == "ANYTHING"

    def test_a_missing_column_is_an_error_naming_file_and_column(self) -> None:
        header = ORDERS_HEADER.replace(",Quantity", "")
        with pytest.raises(
            MissingColumnError, match=r"orders\.csv: missing required column 'Quantity'"
        ):
            read_order_lines(stream(header), "orders.csv")

    def test_an_empty_file_is_a_missing_column_error(self) -> None:
        with pytest.raises(MissingColumnError):
            read_order_lines(stream(""), "orders.csv")

    def test_reads_a_path_with_a_byte_order_mark(self, tmp_path) -> None:
        path = tmp_path / "order_lines.csv"
        path.write_text(
            "\ufeff" + ORDERS_HEADER + "1,1,A,FC-PR-101,2,2026-12-01,2026-12-02,Fulfilled\n",
            encoding="utf-8",
        )
        result = read_order_lines(path)
        assert result.file == "order_lines.csv"
        assert len(result.records) == 1


STOCK_HEADER = "snapshot_at,warehouse,location,sku,lot,qty_on_hand,unit,expiry_date\n"
AT = "2026-12-03T06:00:00+00:00"


class TestWmsStockSnapshot:
    def test_good_rows_become_stock_lots(self) -> None:
        result = read_stock_snapshot(
            stream(
                STOCK_HEADER
                + f"{AT},PRL,FSH-A01-L1,FC-FI-401,L261201-001,362.15,KG,2026-12-04\n"
                + f"{AT},PRL,CH1-A02-L2,FC-PR-101,L261130-002,0,KG,\n"
            ),
            "stock.csv",
            known_skus=SKUS,
        )
        assert result.errors == []
        fish, tomato = result.records
        assert fish.quantity == Decimal("362.15")
        assert fish.expiry_date == date(2026, 12, 4)
        assert (fish.lot, fish.location) == ("L261201-001", "FSH-A01-L1")
        assert tomato.expiry_date is None
        assert result.as_of == datetime(2026, 12, 3, 6, 0, tzinfo=UTC)

    def test_bad_rows_are_reported_and_skipped(self) -> None:
        rows = [
            f"{AT},PRL,L,FC-FI-499,L1,3.50,KG,2026-12-05",  # 2 unknown SKU
            f"{AT},PRL,L,FC-PR-101,L2,-2,KG,2026-12-05",  # 3 negative
            f"{AT},PRL,L,FC-PR-101,L3,14,KG,2026-13-01",  # 4 bad date
            f"{AT},PRL,L,FC-PR-101,L4,14,EA,2026-12-05",  # 5 unit differs from master
            "yesterday,PRL,L,FC-PR-101,L5,14,KG,2026-12-05",  # 6 bad timestamp
            f"{AT},PRL,L,FC-PR-101,L6,1.5,KG,2026-12-05",  # 7 good
        ]
        result = read_stock_snapshot(
            stream(STOCK_HEADER + "\n".join(rows) + "\n"),
            "stock.csv",
            known_skus=SKUS,
            product_units={"FC-PR-101": "kg", "FC-FI-401": "kg"},
        )
        assert [lot.lot for lot in result.records] == ["L6"]
        assert [e.line for e in result.errors] == [2, 3, 4, 5, 6]
        assert "unknown SKU 'FC-FI-499'" in result.errors[0].reason
        assert "qty_on_hand is negative" in result.errors[1].reason
        assert "expiry_date is not a valid date" in result.errors[2].reason
        assert "differs from the product master" in result.errors[3].reason
        assert "snapshot_at" in result.errors[4].reason

    def test_missing_column(self) -> None:
        with pytest.raises(MissingColumnError, match="'expiry_date'"):
            read_stock_snapshot(stream(STOCK_HEADER.replace(",expiry_date", "")), "stock.csv")


PRODUCT_HEADER = "MATNR;MAKTX;MATKL;MEINS;MHDHB;STATUS;LIFNR;PAR_LEVEL\n"
VENDOR_HEADER = "LIFNR;NAME1;CERVE_SUPPLIER_ID;MIN_ORDER_VALUE_GBP;DELIVERY_FEE_GBP\n"
PURCHASE_HEADER = "EBELN;EBELP;LIFNR;MATNR;MENGE;MEINS;NETPR;WAERS;BEDAT;EINDT;GR_DATE\n"
VENDORS = {"100101": "sup_green"}


class TestSapVendorMaster:
    def test_vendors_become_suppliers_with_terms(self) -> None:
        result = read_vendor_master(
            stream(
                VENDOR_HEADER
                + "0000100101;Greenfield Fresh Produce Ltd;sup_green;150.00;15.00\n"
                + "0000100908;Hackney Urban Farm;;;\n"
            ),
            "vendors.csv",
        )
        (supplier,) = result.records
        assert supplier.supplier_id == "sup_green"
        assert supplier.sap_vendor == "0000100101"
        assert supplier.min_order_value == Decimal("150.00")
        assert supplier.delivery_fee == Decimal("15.00")
        assert result.errors[0].line == 3
        assert "CERVE_SUPPLIER_ID" in result.errors[0].reason


class TestSapProductMaster:
    def test_products_with_default_supplier_mapped_to_cerve(self) -> None:
        result = read_product_master(
            stream(
                PRODUCT_HEADER
                + "FC-FI-401;Whiting fillets;FISH;KG;3;ACTIVE;100101;66.00\n"
                + "FC-PR-112;Asparagus;PRODUCE;KG;5;DISCONTINUED;0000100101;12.00\n"
            ),
            "products.csv",
            vendors=VENDORS,
        )
        assert result.errors == []
        whiting, asparagus = result.records
        assert whiting.category is Category.FISH
        assert whiting.unit == "kg"
        assert whiting.shelf_life_days == 3
        assert whiting.default_supplier_id == "sup_green"
        assert whiting.par_level == Decimal("66.00")
        assert whiting.orderable
        assert asparagus.status is ProductStatus.DISCONTINUED
        assert not asparagus.orderable

    def test_bad_product_rows(self) -> None:
        rows = [
            "FC-FZ-501;Peas;FROZEN;EA;365;ACTIVE;100101;12",  # 2 unknown group
            "FC-PR-101;Tomatoes;PRODUCE;KG;seven;ACTIVE;100101;12",  # 3 bad shelf life
            "FC-PR-102;Lettuce;PRODUCE;EA;6;ACTIVE;999;12",  # 4 unknown vendor
            "FC-PR-103;Onions;PRODUCE;KG;30;ACTIVE;100101;12",  # 5 good
            "FC-PR-103;Onions again;PRODUCE;KG;30;ACTIVE;100101;12",  # 6 duplicate
            "FC-PR-104;Potatoes;PRODUCE;SACK;30;ACTIVE;100101;1",  # 7 unknown unit
        ]
        result = read_product_master(
            stream(PRODUCT_HEADER + "\n".join(rows) + "\n"), "products.csv", vendors=VENDORS
        )
        assert [p.sku for p in result.records] == ["FC-PR-103"]
        assert [e.line for e in result.errors] == [2, 3, 4, 6, 7]
        assert "MATKL 'FROZEN'" in result.errors[0].reason
        assert "MHDHB is not a whole number" in result.errors[1].reason
        assert "unknown vendor LIFNR '999'" in result.errors[2].reason
        assert "duplicate MATNR" in result.errors[3].reason
        assert "MEINS is not a known unit" in result.errors[4].reason

    def test_comma_separated_sap_file_is_a_clear_error(self) -> None:
        with pytest.raises(MissingColumnError, match=r"products\.csv"):
            read_product_master(stream(PRODUCT_HEADER.replace(";", ",")), "products.csv")


class TestSapPurchaseHistory:
    def test_history_lines_keep_exact_prices_and_dates(self) -> None:
        result = read_purchase_history(
            stream(
                PURCHASE_HEADER
                + "4500012001;00010;0000100101;FC-FI-401;20.00;KG;362.15;GBP;"
                + "01.12.2026;02.12.2026;03.12.2026\n"
                + "4500012002;00010;100101;FC-PR-101;5;KG;2.40;GBP;02.12.2026;03.12.2026;\n"
            ),
            "history.csv",
            known_skus=SKUS,
            vendors=VENDORS,
        )
        assert result.errors == []
        late, open_ = result.records
        assert late.unit_price == Decimal("362.15")
        assert late.supplier_id == "sup_green"
        assert (late.order_date, late.promised_date, late.delivered_date) == (
            date(2026, 12, 1),
            date(2026, 12, 2),
            date(2026, 12, 3),
        )
        assert open_.delivered_date is None

    def test_bad_history_rows(self) -> None:
        rows = [
            "1;10;100101;FC-PR-101;5;KG;2.40;GBP;31.11.2026;02.12.2026;",  # 2 bad date
            "2;10;100101;FC-DA-299;5;KG;2.40;GBP;01.12.2026;02.12.2026;",  # 3 unknown SKU
            "3;10;100101;FC-PR-101;-10;KG;2.40;GBP;01.12.2026;02.12.2026;",  # 4 negative
            "4;10;100101;FC-PR-101;5;KG;2.40;EUR;01.12.2026;02.12.2026;",  # 5 currency
            "5;10;100101;FC-PR-101;5;KG;2.40;GBP;03.12.2026;02.12.2026;",  # 6 promised early
            "6;10;100101;FC-PR-101;5;KG;2.40;GBP;2026-12-01;02.12.2026;",  # 7 ISO, not SAP
            "7;10;100101;FC-PR-101;5;KG;2.40;GBP;01.12.2026;02.12.2026;",  # 8 good
        ]
        result = read_purchase_history(
            stream(PURCHASE_HEADER + "\n".join(rows) + "\n"),
            "history.csv",
            known_skus=SKUS,
            vendors=VENDORS,
        )
        assert [r.po_number for r in result.records] == ["7"]
        assert [e.line for e in result.errors] == [2, 3, 4, 5, 6, 7]
        assert "BEDAT is not a valid date (DD.MM.YYYY): '31.11.2026'" in result.errors[0].reason
        assert "unknown SKU 'FC-DA-299'" in result.errors[1].reason
        assert "MENGE is negative" in result.errors[2].reason
        assert "'EUR' is not GBP" in result.errors[3].reason
        assert "before BEDAT" in result.errors[4].reason


class TestSapLastPrices:
    def test_last_prices(self) -> None:
        result = read_last_prices(
            stream(
                "MATNR;LIFNR;NETPR;WAERS;PRICE_DATE\n"
                "FC-PR-101;0000100101;2.45;GBP;02.12.2026\n"
                "FC-PR-198;0000100101;1.99;GBP;02.12.2026\n"
                "FC-FI-401;0000100101;NaN;GBP;02.12.2026\n"
            ),
            "last.csv",
            known_skus=SKUS,
            vendors=VENDORS,
        )
        (price,) = result.records
        assert price.unit_price == Decimal("2.45")
        assert (price.sku, price.supplier_id, price.paid_on) == (
            "FC-PR-101",
            "sup_green",
            date(2026, 12, 2),
        )
        assert [(e.line, e.reason) for e in result.errors] == [
            (3, "unknown SKU 'FC-PR-198'"),
            (4, "NETPR is not a number: 'NaN'"),
        ]
