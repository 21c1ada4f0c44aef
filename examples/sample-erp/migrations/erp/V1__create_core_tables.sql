-- sample-erp schema version 1 (product 1.0): customers, items, orders and order lines.
-- Plain MySQL 5.7 / MariaDB 10.11 SQL: one statement per semicolon at line end.
-- Every table is utf8mb4 so that Chinese names are stored as written.

CREATE TABLE customers (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    code          VARCHAR(32)     NOT NULL,
    name          VARCHAR(191)    NOT NULL,
    contact_name  VARCHAR(64)     NULL,
    phone         VARCHAR(32)     NULL,
    city          VARCHAR(64)     NULL,
    created_at    DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY uk_customers_code (code),
    KEY idx_customers_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE items (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    sku           VARCHAR(32)     NOT NULL,
    name          VARCHAR(191)    NOT NULL,
    unit          VARCHAR(16)     NOT NULL,
    unit_price    DECIMAL(12,2)   NOT NULL DEFAULT 0.00,
    active        TINYINT(1)      NOT NULL DEFAULT 1,
    PRIMARY KEY (id),
    UNIQUE KEY uk_items_sku (sku)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE orders (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    order_no      VARCHAR(32)     NOT NULL,
    customer_id   BIGINT UNSIGNED NOT NULL,
    order_date    DATE            NOT NULL,
    total_amount  DECIMAL(14,2)   NOT NULL DEFAULT 0.00,
    remark        VARCHAR(255)    NULL,
    created_at    DATETIME        NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY uk_orders_order_no (order_no),
    KEY idx_orders_customer (customer_id, order_date),
    CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE order_lines (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    order_id      BIGINT UNSIGNED NOT NULL,
    line_no       INT UNSIGNED    NOT NULL,
    item_id       BIGINT UNSIGNED NOT NULL,
    quantity      DECIMAL(12,3)   NOT NULL,
    unit_price    DECIMAL(12,2)   NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uk_order_lines_line (order_id, line_no),
    KEY idx_order_lines_item (item_id),
    CONSTRAINT fk_order_lines_order FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT fk_order_lines_item FOREIGN KEY (item_id) REFERENCES items (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Seed rows: explicit ids, so that later migrations and tests can rely on them.
INSERT INTO customers (id, code, name, contact_name, phone, city) VALUES
    (1, 'C0001', '苏州精工机床有限公司', '李明', '0512-66880001', '苏州'),
    (2, 'C0002', '无锡恒通液压设备厂', '张伟', '0510-82770002', '无锡'),
    (3, 'C0003', '上海浦江轴承制造有限公司', '陈静', '021-58860003', '上海');

INSERT INTO items (id, sku, name, unit, unit_price) VALUES
    (1, 'JX-1001', '数控车床刀架', '套', 4800.00),
    (2, 'JX-1002', '精密滚珠丝杠 32mm', '根', 1260.50),
    (3, 'JX-2001', '液压油缸密封圈', '个', 18.80),
    (4, 'JX-3001', '深沟球轴承 6204', '个', 9.60);

INSERT INTO orders (id, order_no, customer_id, order_date, total_amount, remark) VALUES
    (1, 'SO-2026-0001', 1, '2026-01-05', 10860.50, '春节前交货'),
    (2, 'SO-2026-0002', 3, '2026-01-12', 948.00, '按月结算');

INSERT INTO order_lines (order_id, line_no, item_id, quantity, unit_price) VALUES
    (1, 1, 1, 2.000, 4800.00),
    (1, 2, 2, 1.000, 1260.50),
    (2, 1, 3, 30.000, 18.80),
    (2, 2, 4, 40.000, 9.60);
