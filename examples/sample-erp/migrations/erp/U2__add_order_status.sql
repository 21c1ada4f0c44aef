-- Undo of V2__add_order_status.sql: back to schema version 1, in reverse order.
-- The foreign key goes first, since it holds on to both the index and the lookup table.

ALTER TABLE orders DROP FOREIGN KEY fk_orders_status;

DROP INDEX idx_orders_status ON orders;

ALTER TABLE orders DROP COLUMN status;

DROP TABLE order_statuses;
