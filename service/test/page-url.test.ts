import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { docRoute, normalizeRouteBasePath, pageUrl, stripNumberPrefix } from "../src/book/page-url.ts";

describe("the Docusaurus page rule", () => {
  it("strips number prefixes as Docusaurus' default parser does, and keeps dates and versions", () => {
    const cases: Array<[string, string]> = [
      ["01-intro", "intro"],
      ["1_intro", "intro"],
      ["2. setup", "setup"],
      ["3 - usage", "usage"],
      ["007--agent", "agent"],
      ["01-02-setup", "01-02-setup"],
      ["2021-01-31-release-notes", "2021-01-31-release-notes"],
      ["1.2-changes", "1.2-changes"],
      ["01-", "01-"],
      ["101", "101"],
      ["chapter-01", "chapter-01"],
      ["a1-intro", "a1-intro"],
    ];
    for (const [name, stripped] of cases) assert.equal(stripNumberPrefix(name), stripped, name);
  });

  it("derives routes as Docusaurus does", () => {
    assert.equal(docRoute("01-getting-started/02-quickstart.md"), "getting-started/quickstart");
    assert.equal(docRoute("module-01/chapter-01.md"), "module-01/chapter-01");
    assert.equal(docRoute("guide/index.md"), "guide");
    assert.equal(docRoute("guide/README.mdx"), "guide");
    assert.equal(docRoute("guide/guide.md"), "guide");
    assert.equal(docRoute("Guide/guide.md"), "Guide");
    assert.equal(docRoute("index.md"), "");
    assert.equal(docRoute("02-guide/3. setup.md"), "guide/setup");
    assert.equal(docRoute("2021-01-31-notes/01-intro.md"), "2021-01-31-notes/intro");
    // The index convention compares names before their prefixes are stripped.
    assert.equal(docRoute("01-setup/01-setup.md"), "setup");
    assert.equal(docRoute("01-setup/setup.md"), "setup/setup");
    assert.equal(docRoute("guide/setup.md", { id: "install" }), "guide/install");
    // An index page stays the folder's page whatever its id; only a slug moves it.
    assert.equal(docRoute("guide/index.md", { id: "overview" }), "guide");
    assert.equal(docRoute("guide/index.md", { slug: "overview" }), "guide/overview");
    assert.equal(docRoute("guide/setup.md", { slug: "/start" }), "start");
    assert.equal(docRoute("01-guide/setup.md", { slug: "begin/here" }), "guide/begin/here");
    assert.equal(docRoute("guide/setup.md", { slug: "/" }), "");
  });

  it("makes the page URL of a stored chunk's file_path under the book's route base, on its site when one is set", () => {
    const atRoot = { docsRouteBasePath: "/" };
    const underDocs = { docsRouteBasePath: "/docs" };
    assert.equal(pageUrl(atRoot, "docs/01-getting-started/02-quickstart.md"), "/getting-started/quickstart");
    assert.equal(pageUrl(underDocs, "docs/01-getting-started/02-quickstart.md"), "/docs/getting-started/quickstart");
    assert.equal(pageUrl(atRoot, "docs/intro.md", { slug: "/" }), "/");
    assert.equal(pageUrl(underDocs, "docs/intro.md", { slug: "/" }), "/docs/");
    assert.equal(pageUrl(underDocs, "docs/guide/index.md"), "/docs/guide");
    assert.equal(pageUrl(underDocs, "docs/guide/README.md"), "/docs/guide");
    assert.equal(pageUrl({ ...underDocs, docsBaseUrl: "https://book.example.com/" }, "docs/02-guide/3. setup.mdx"), "https://book.example.com/docs/guide/setup");
    assert.equal(pageUrl({ docsRouteBasePath: "/", docsBaseUrl: "https://book.example.com" }, "docs/a/b.md", { slug: "custom" }), "https://book.example.com/a/custom");
    assert.equal(pageUrl({ docsRouteBasePath: "/my-book/docs/" }, "docs/a.md"), "/my-book/docs/a");
  });

  it("normalises a route base path written with or without its slashes", () => {
    for (const [written, normal] of [["/docs", "/docs"], ["docs/", "/docs"], ["/docs/", "/docs"], ["/", "/"], ["", "/"], ["/a/b/", "/a/b"]] as const) {
      assert.equal(normalizeRouteBasePath(written), normal, written);
    }
  });
});
