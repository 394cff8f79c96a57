import assert from "node:assert/strict";
import { loadMigrations } from "./migrate.ts";
import { formatStatusTable, runCli } from "./migrate_cli.ts";
import { createTestDatabase } from "./test_db.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

Deno.test("migrate_cli - up, status, down against a real database", async () => {
  const db = await createTestDatabase({ migrate: false });
  try {
    const files = await loadMigrations();
    const env = { DATABASE_URL: db.url };
    let c = capture();
    assert.equal(await runCli(["status"], env, c.io), 0);
    assert.match(c.out.at(-1)!, new RegExp(`^0 applied, ${files.length} pending\\.$`));

    c = capture();
    assert.equal(await runCli(["up"], env, c.io), 0, c.err.join("\n"));
    assert.equal(c.out[0], `Applied ${files.map((f) => f.version).join(", ")}.`);

    c = capture();
    assert.equal(await runCli(["up"], env, c.io), 0);
    assert.equal(c.out[0], "Database is up to date; nothing to apply.");

    c = capture();
    assert.equal(await runCli(["down", "--steps", "2"], env, c.io), 0);
    assert.equal(c.out[0], `Rolled back ${files.slice(-2).map((f) => f.version).reverse().join(", ")}.`);

    c = capture();
    assert.equal(await runCli(["status"], env, c.io), 0);
    assert.match(c.out[0], /^VERSION\s+NAME\s+STATE\s+APPLIED AT$/);
    assert.match(c.out[1], new RegExp(`^${files[0].version}\\s+${files[0].name}\\s+applied\\s+\\d{4}-\\d\\d-\\d\\dT`));
    assert.match(
      c.out[files.length],
      new RegExp(`^${files.at(-1)!.version}\\s+${files.at(-1)!.name}\\s+pending\\s+-$`),
    );
    assert.equal(c.out.at(-1), `${files.length - 2} applied, 2 pending.`);
  } finally {
    await db.drop();
  }
});

Deno.test("migrate_cli - missing DATABASE_URL and bad usage are refused with a message", async () => {
  let c = capture();
  assert.equal(await runCli(["up"], {}, c.io), 1);
  assert.match(c.err[0], /DATABASE_URL is not set/);
  c = capture();
  assert.equal(await runCli(["sideways"], { DATABASE_URL: "postgres://x@127.0.0.1/db" }, c.io), 2);
  assert.match(c.err[0], /^usage:/);
  c = capture();
  assert.equal(await runCli(["down", "--steps", "0"], { DATABASE_URL: "postgres://x@127.0.0.1/db" }, c.io), 2);
  c = capture();
  assert.equal(await runCli(["up"], { DATABASE_URL: "mysql://x@127.0.0.1/db" }, c.io), 1);
  assert.match(c.err[0], /must start with postgres:\/\//);
});

Deno.test("migrate_cli - the task entry exits non-zero without DATABASE_URL", async () => {
  const env = Deno.env.toObject();
  delete env.DATABASE_URL;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./migrate_cli.ts", import.meta.url).pathname, "up"],
    env,
    clearEnv: true,
  }).output();
  assert.equal(out.code, 1);
  assert.match(new TextDecoder().decode(out.stderr), /DATABASE_URL is not set/);
});

Deno.test("formatStatusTable - flags changed and missing files", () => {
  const lines = formatStatusTable([
    { version: "0001", name: "a", applied: true, appliedAt: new Date(0), checksumOk: false, fileMissing: false },
    { version: "0002", name: "bb", applied: true, appliedAt: new Date(0), checksumOk: false, fileMissing: true },
  ]);
  assert.match(lines[1], /^0001\s+a\s+CHANGED\s+1970-01-01T00:00:00\.000Z$/);
  assert.match(lines[2], /^0002\s+bb\s+FILE MISSING\s+1970/);
  assert.match(lines[3], /2 CHANGED or MISSING/);
});
