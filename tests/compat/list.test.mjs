// Listing with the SDK's pagers: listPropertiesOfSecrets and listPropertiesOfSecretVersions,
// item by item and page by page (byPage({maxPageSize})), following nextLink verbatim.

import { describe, test, before } from "node:test";
import assert from "node:assert/strict";

import { env, apiVersion, secretClient, uniqueName, randomValue, rawRequest, bearerToken } from "./helpers.mjs";

const client = secretClient();
const origin = new URL(env.vaultUrl).origin;

describe("listPropertiesOfSecrets", () => {
  const prefix = uniqueName("page");
  const names = [1, 2, 3, 4, 5].map((i) => `${prefix}-${i}`);

  before(async () => {
    for (const name of names) {
      await client.setSecret(name, randomValue(), { tags: { batch: prefix } });
    }
    // A second version of one: the list still shows the name once.
    await client.setSecret(names[0], randomValue(), { tags: { batch: prefix } });
  });

  test("byPage({maxPageSize: 2}) yields every secret exactly once over several pages", async () => {
    const pages = [];
    for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 2 })) {
      pages.push(page);
    }
    assert.ok(pages.length > 1, `expected more than one page, got ${pages.length}`);
    for (const page of pages) {
      assert.ok(Array.isArray(page));
      assert.ok(page.length <= 2, `a page has ${page.length} items for maxPageSize 2`);
    }
    const all = pages.flat();
    const seen = new Map();
    for (const p of all) seen.set(p.name, (seen.get(p.name) ?? 0) + 1);
    for (const [name, count] of seen) assert.equal(count, 1, `${name} listed ${count} times`);
    for (const name of names) assert.equal(seen.get(name), 1, `${name} listed ${seen.get(name) ?? 0} times`);
    assert.ok(pages.length >= Math.ceil(all.length / 2));
  });

  test("items carry properties but no value; ids have no version", async () => {
    const mine = [];
    for await (const p of client.listPropertiesOfSecrets()) {
      if (p.name.startsWith(`${prefix}-`)) mine.push(p);
    }
    assert.deepEqual(mine.map((p) => p.name).sort(), [...names].sort());
    for (const p of mine) {
      assert.equal(p.value, undefined);
      assert.equal(p.id, `${origin}/secrets/${p.name}`);
      assert.equal(p.version, undefined);
      assert.equal(p.enabled, true);
      assert.deepEqual(p.tags, { batch: prefix });
      assert.ok(p.createdOn instanceof Date);
    }
  });

  test("a nextLink is absolute, on the vault's origin, and resumes the SDK's pager", async () => {
    // SecretClient 4.12.0's byPage() drops continuationToken from the pages it maps
    // (transformations.js: page.map(mapper)), so the first page is fetched by hand.
    const token = await bearerToken();
    const res = await rawRequest("GET", `/secrets?api-version=${apiVersion}&maxresults=2`, { token });
    assert.equal(res.status, 200, res.text);
    assert.ok(Array.isArray(res.json.value));
    assert.ok(res.json.value.length <= 2);
    const nextLink = res.json.nextLink;
    assert.equal(typeof nextLink, "string", "a first page of 2 out of 5+ secrets has a nextLink");
    const url = new URL(nextLink);
    assert.equal(url.origin, origin, "nextLink uses the request's own origin");
    assert.equal(url.pathname, "/secrets");

    const firstNames = new Set(res.json.value.map((item) => item.id.split("/")[4]));
    const resumed = [];
    for await (const page of client.listPropertiesOfSecrets().byPage({ continuationToken: nextLink, maxPageSize: 2 })) {
      resumed.push(...page);
    }
    assert.ok(resumed.length > 0);
    for (const p of resumed) assert.ok(!firstNames.has(p.name), `${p.name} is on page 1 and again later`);
    const all = new Set([...firstNames, ...resumed.map((p) => p.name)]);
    for (const name of names) assert.ok(all.has(name), `${name} is missing from page 1 + the rest`);
  });
});

describe("listPropertiesOfSecretVersions", () => {
  const name = uniqueName("vers");
  const versions = [];

  before(async () => {
    for (let i = 0; i < 5; i++) {
      versions.push((await client.setSecret(name, randomValue())).properties.version);
    }
  });

  test("byPage({maxPageSize: 2}) yields every version exactly once over several pages", async () => {
    const pages = [];
    for await (const page of client.listPropertiesOfSecretVersions(name).byPage({ maxPageSize: 2 })) {
      pages.push(page);
    }
    assert.ok(pages.length > 1, `expected more than one page, got ${pages.length}`);
    for (const page of pages) assert.ok(page.length <= 2);
    const listed = pages.flat();
    assert.deepEqual(listed.map((p) => p.version).sort(), [...versions].sort());
    for (const p of listed) {
      assert.equal(p.name, name);
      assert.equal(p.id, `${origin}/secrets/${name}/${p.version}`);
      assert.equal(p.value, undefined);
    }
  });
});
