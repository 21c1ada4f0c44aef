-- Undo of V2__add_order_status.sql: back to schema version 1, newest object first.
-- Dropping the table drops its trigger; the package goes on its own.

DROP TRIGGER orders_status_au;

DROP PACKAGE erp_orders;

DROP TABLE order_status_log;

ALTER TABLE orders DROP CONSTRAINT fk_orders_status;

ALTER TABLE orders DROP COLUMN status;

DROP TABLE order_statuses;
