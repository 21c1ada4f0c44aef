-- sample-erp schema version 2 (product 1.1): orders get a status, backed by a small lookup
-- table with Chinese labels. Undone by U2__add_order_status.sql.

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
    ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'new' AFTER order_date;

CREATE INDEX idx_orders_status ON orders (status, order_date);

ALTER TABLE orders
    ADD CONSTRAINT fk_orders_status FOREIGN KEY (status) REFERENCES order_statuses (code);

UPDATE orders SET status = 'shipped' WHERE order_no = 'SO-2026-0001';
