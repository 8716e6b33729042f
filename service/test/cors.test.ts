import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { originMatcher } from "../src/http/cors.ts";

describe("allowed origins", () => {
  const matches = originMatcher(["https://book.example.com", "https://*-myteam.vercel.app", "http://localhost:3000/"]);

  it("allows exact origins, case-insensitively and without a trailing slash", () => {
    assert.equal(matches("https://book.example.com"), true);
    assert.equal(matches("HTTPS://BOOK.EXAMPLE.COM"), true);
    assert.equal(matches("http://localhost:3000"), true);
  });

  it("allows Vercel preview origins through a wildcard pattern", () => {
    assert.equal(matches("https://docs-git-feature-x-myteam.vercel.app"), true);
    assert.equal(matches("https://abc123-myteam.vercel.app"), true);
  });

  it("refuses everything else, including look-alikes", () => {
    assert.equal(matches("https://book.example.com.evil.io"), false);
    assert.equal(matches("http://book.example.com"), false);
    assert.equal(matches("https://evil.io/x-myteam.vercel.app"), false);
    assert.equal(matches("https://a.b-myteam.vercel.app"), false, "a * never spans a dot");
    assert.equal(matches("https://-myteam.vercel.app"), false, "a * stands for at least one character");
    assert.equal(matches("null"), false);
  });

  it("allows any origin only when told with a lone *", () => {
    assert.equal(originMatcher(["*"])("https://anything.example"), true);
  });
});
