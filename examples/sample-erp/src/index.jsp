<%--
  Home page: shows the company name read from the site's UTF-8 config, so that Chinese text
  is proven end to end (template, config file, JSP, Tomcat, Nginx, browser).
--%>
<%@ page contentType="text/html; charset=UTF-8" session="false" %>
<%@ include file="/WEB-INF/jspf/erp.jspf" %>
<%
    Properties release = readUtf8(application.getResourceAsStream(VERSION_FILE));
    Config site = loadConfig(application.getInitParameter(CONFIG_KEY));
    Properties cfg = site.props == null ? new Properties() : site.props;
    String company = cfg.getProperty("erp.company_name", "").trim();
    String timezone = cfg.getProperty("erp.timezone", "").trim();
    response.setHeader("Cache-Control", "no-store");
%>
<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="UTF-8">
  <title>示例 ERP · <%= html(company.isEmpty() ? "未配置" : company) %></title>
</head>
<body>
  <h1>示例 ERP 系统</h1>
<% if (site.props == null) { %>
  <p class="warning">配置未加载：<%= html(site.problem) %></p>
<% } else { %>
  <p>公司：<strong id="company"><%= html(company) %></strong></p>
  <p>时区：<span id="timezone"><%= html(timezone) %></span></p>
<% } %>
  <p>产品：<span id="product"><%= html(release.getProperty("product")) %></span>
     版本：<span id="version"><%= html(release.getProperty("version")) %></span></p>
  <p><a href="health.jsp">健康检查 (health.jsp)</a></p>
</body>
</html>
