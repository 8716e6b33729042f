import express, { Router } from "express";
// Only the path helper: the package's main module loads the whole browser bundle into Node.
import getAbsoluteFSPath from "swagger-ui-dist/absolute-path.js";
import type { Config } from "../config.ts";
import { openApiDocument } from "../openapi.ts";

// The page and its initializer are ours: the app's CSP (`script-src 'self'`) forbids inline
// scripts, and the package's own initializer points at the Petstore.
const VIEWER_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Docs chat API</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/swagger-initializer.js"></script>
  </body>
</html>
`;

// validatorUrl null: the default sends the description to validator.swagger.io.
const VIEWER_SCRIPT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
`;

/** GET /openapi.json (the API description) and /docs (Swagger UI, served from swagger-ui-dist). */
export function apiReferenceRouter(options: Partial<Pick<Config, "selectionMaxChars">> = {}): Router {
  const description = JSON.stringify(openApiDocument(options));
  const router = Router();

  router.get("/openapi.json", function openApiHandler(_req, res) {
    res.setHeader("Cache-Control", "no-cache");
    res.type("application/json").send(description);
  });
  // Asset URLs are absolute, so /docs and /docs/ are the same page.
  router.get(["/docs", "/docs/", "/docs/index.html"], function docsPageHandler(_req, res) {
    res.setHeader("Cache-Control", "no-cache");
    res.type("html").send(VIEWER_PAGE);
  });
  router.get("/docs/swagger-initializer.js", function viewerScriptHandler(_req, res) {
    res.setHeader("Cache-Control", "no-cache");
    res.type("text/javascript").send(VIEWER_SCRIPT);
  });
  router.use("/docs", express.static(getAbsoluteFSPath(), { index: false, redirect: false, maxAge: "1d" }));
  return router;
}
