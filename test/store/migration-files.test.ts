/**
 * A shipped migration never changes: a user's store already ran it. Each file's text is pinned
 * here by its SHA-256, taken from the text the migrations held when they moved into .sql files.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MIGRATIONS as POSTGRES } from "../../src/store/postgres/migrations/index.js";
import { MIGRATIONS as SQLITE } from "../../src/store/sqlite/migrations/index.js";

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

const PINNED = {
  sqlite: [
    "661ea62e9c32e596d1f3b3e97db260739fdb14c334c0d657388d3421687678d9",
    "f0f573c4fb0581643d8ef4bc34aa82dd9f29aed6695cc8df27ef4e7f13370d88",
    "9e94c2c0cdb29d21ab080814c79ff25bf473e825e319a2f64036cd1aea11a74b",
    "5fa570a082894247460301855456e352da49bb19801ae1c50085d17b8d0f783b",
    "028d9ab485d75387da8bc0c5d8f99f0277cf6853b8f228a293353dfcae4e2799",
    "e9115172ef8a3d550608ace92e4b20bb863881f285ea53197b4459abfb188656",
    "8e11243db8c847c6d7ed49116c21c62e8cd29391dd8ca699795b3749c0b48aa3",
    "c376a06f4d8d787e622cab5c0c9906086d8e9cfd729d4ec93caffd74c4e31838",
    "ec94297e7ff114b16d3c9a2ed459b2f73e7a1c8999dcf88a05fc0b127c216efc",
  ],
  postgres: [
    "81bf21cf1247b9a5bc8f1ead6369ef5090f06f417846392b3b7e52cae6a361d9",
    "c3e7ec0e75a0357a0d8ee13240cd239b0eb8ed0933786bb8e2a747b229c1bdc3",
    "c376a06f4d8d787e622cab5c0c9906086d8e9cfd729d4ec93caffd74c4e31838",
  ],
};

describe("shipped migrations", () => {
  it.each([
    ["sqlite", SQLITE],
    ["postgres", POSTGRES],
  ] as const)("%s: every file holds exactly the text stores already ran (new ones may follow)", (backend, migrations) => {
    const pinned = PINNED[backend];
    expect(migrations.length).toBeGreaterThanOrEqual(pinned.length);
    expect(migrations.slice(0, pinned.length).map(sha256)).toEqual(pinned);
  });
});
