-- sample-erp schema version 2 (product 1.1) for Oracle: orders get a status, kept by a
-- package, and every change of status is written down by a trigger.
-- Undone by U2__add_order_status.sql.

CREATE TABLE order_statuses (
    code          VARCHAR2(16 CHAR)   NOT NULL,
    label         VARCHAR2(32 CHAR)   NOT NULL,
    sort_order    NUMBER(5)           NOT NULL,
    CONSTRAINT pk_order_statuses PRIMARY KEY (code)
);

INSERT INTO order_statuses (code, label, sort_order) VALUES ('new', '新建', 10);
INSERT INTO order_statuses (code, label, sort_order) VALUES ('shipped', '已发货', 30);
INSERT INTO order_statuses (code, label, sort_order) VALUES ('closed', '已完成', 40);

ALTER TABLE orders ADD (status VARCHAR2(16 CHAR) DEFAULT 'new' NOT NULL);

ALTER TABLE orders ADD CONSTRAINT fk_orders_status
    FOREIGN KEY (status) REFERENCES order_statuses (code);

CREATE TABLE order_status_log (
    order_id      NUMBER(19)          NOT NULL,
    old_status    VARCHAR2(16 CHAR),
    new_status    VARCHAR2(16 CHAR)   NOT NULL,
    changed_at    DATE DEFAULT SYSDATE NOT NULL
);

CREATE OR REPLACE PACKAGE erp_orders AS
    -- Moves an order to a status; ORA-20001 when the order does not exist.
    PROCEDURE set_status(p_order_id IN NUMBER, p_status IN VARCHAR2);
END erp_orders;
/

CREATE OR REPLACE PACKAGE BODY erp_orders AS
    PROCEDURE set_status(p_order_id IN NUMBER, p_status IN VARCHAR2) IS
    BEGIN
        UPDATE orders SET status = p_status WHERE id = p_order_id;
        IF SQL%ROWCOUNT = 0 THEN
            RAISE_APPLICATION_ERROR(-20001, 'no order ' || p_order_id || ';');
        END IF;
    END set_status;
END erp_orders;
/

CREATE OR REPLACE TRIGGER orders_status_au
    AFTER UPDATE OF status ON orders FOR EACH ROW
BEGIN
    INSERT INTO order_status_log (order_id, old_status, new_status)
        VALUES (:old.id, :old.status, :new.status);
END;
/

UPDATE orders SET status = 'shipped' WHERE order_no = 'SO-2026-0001';
