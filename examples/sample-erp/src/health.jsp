<%--
  Health page polled by deployer after a release switch.
  200 {"product":..,"version":..,"database":"reachable","schema":N,"schema_expected":N}
  503 when the database is "unreachable" or "unconfigured", with an "error" saying why.
--%>
<%@ page contentType="application/json; charset=UTF-8" session="false" %>
<%@ include file="/WEB-INF/jspf/erp.jspf" %>
<%
    Properties release = readUtf8(application.getResourceAsStream(VERSION_FILE));
    DbStatus db = checkDatabase(loadConfig(application.getInitParameter(CONFIG_KEY)));
    String expected = release.getProperty("schema", "").trim();

    StringBuilder body = new StringBuilder(256);
    body.append("{\"product\":").append(json(release.getProperty("product")));
    body.append(",\"version\":").append(json(release.getProperty("version")));
    body.append(",\"database\":").append(json(db.state));
    if (db.reachable()) {
        body.append(",\"schema\":").append(json(db.schema));
    }
    body.append(",\"schema_expected\":").append(expected.matches("[0-9]{1,9}") ? expected : "null");
    if (db.error != null) {
        body.append(",\"error\":").append(json(db.error));
    }
    if (db.schemaError != null) {
        body.append(",\"schema_error\":").append(json(db.schemaError));
    }
    body.append('}');

    response.setStatus(db.reachable() ? 200 : 503);
    response.setHeader("Cache-Control", "no-store");
    out.print(body);
%>
