-- A faulty build of sample-erp schema version 2, for the go-live rehearsal (scripts/demo.sh).
-- It is the real V2__add_order_status.sql with one slip: the new column's default is 'open',
-- which is not a code of the lookup table. The first four statements succeed and MariaDB
-- commits each at once; adding the foreign key then fails on the existing orders, so the
-- schema is left half-way. deployer apply --atomic must put it back from its pre-run dump.
-- V1 and U2 beside this file are links to the real ones.

CREATE TABLE order_statuses (
    code          VARCHAR(16)     NOT NULL,
    label         VARCHAR(32)     NOT NULL,
    sort_order    INT UNSIGNED    NOT NULL,
    PRIMARY KEY (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO order_statuses (code, label, sort_order) VALUES
    ('new', '新建', 10),
    ('confirmed', '已确认', 20),
    ('shipped', '已发货', 30),
    ('closed', '已完成', 40),
    ('cancelled', '已取消', 90);

ALTER TABLE orders
    ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'open' AFTER order_date;

CREATE INDEX idx_orders_status ON orders (status, order_date);

ALTER TABLE orders
    ADD CONSTRAINT fk_orders_status FOREIGN KEY (status) REFERENCES order_statuses (code);

UPDATE orders SET status = 'shipped' WHERE order_no = 'SO-2026-0001';
