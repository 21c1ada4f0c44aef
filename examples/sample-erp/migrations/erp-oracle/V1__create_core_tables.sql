-- sample-erp schema version 1 (product 1.0) for Oracle 11g and later, read with SQL*Plus
-- rules: ';' ends a SQL statement, '/' alone on a line ends a PL/SQL unit.
-- Ids come from sequences through triggers, since identity columns start with 12c.
-- VARCHAR2 lengths are in characters: a Chinese name is 3 bytes in AL32UTF8.

CREATE TABLE customers (
    id            NUMBER(19)          NOT NULL,
    code          VARCHAR2(32 CHAR)   NOT NULL,
    name          VARCHAR2(191 CHAR)  NOT NULL,
    contact_name  VARCHAR2(64 CHAR),
    phone         VARCHAR2(32 CHAR),
    city          VARCHAR2(64 CHAR),
    created_at    DATE DEFAULT SYSDATE NOT NULL,
    CONSTRAINT pk_customers PRIMARY KEY (id),
    CONSTRAINT uk_customers_code UNIQUE (code)
);

CREATE TABLE orders (
    id            NUMBER(19)          NOT NULL,
    order_no      VARCHAR2(32 CHAR)   NOT NULL,
    customer_id   NUMBER(19)          NOT NULL,
    order_date    DATE                NOT NULL,
    total_amount  NUMBER(14,2) DEFAULT 0 NOT NULL,
    remark        VARCHAR2(255 CHAR),
    CONSTRAINT pk_orders PRIMARY KEY (id),
    CONSTRAINT uk_orders_order_no UNIQUE (order_no),
    CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
);

CREATE SEQUENCE customers_seq START WITH 100;

CREATE SEQUENCE orders_seq START WITH 100;

CREATE OR REPLACE TRIGGER customers_bi
    BEFORE INSERT ON customers FOR EACH ROW
    WHEN (new.id IS NULL)
BEGIN
    SELECT customers_seq.NEXTVAL INTO :new.id FROM dual;
END;
/

CREATE OR REPLACE TRIGGER orders_bi
    BEFORE INSERT ON orders FOR EACH ROW
    WHEN (new.id IS NULL)
BEGIN
    SELECT orders_seq.NEXTVAL INTO :new.id FROM dual;
END;
/

INSERT INTO customers (id, code, name, contact_name, phone, city)
    VALUES (1, 'C0001', '苏州精工机床有限公司', '李明', '0512-66880001', '苏州');

INSERT INTO orders (id, order_no, customer_id, order_date, total_amount, remark)
    VALUES (1, 'SO-2026-0001', 1, DATE '2026-01-05', 10860.50, '春节前交货');
