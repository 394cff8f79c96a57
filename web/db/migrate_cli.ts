/**
 * `deno task db:migrate | db:rollback | db:status` (see deno.json): runs the migration runner against
 * `DATABASE_URL`. Also Fly's release command, so it exits non-zero on any error and a failed release stops the
 * deploy.
 *
 * Usage: migrate_cli.ts up | down [--steps N | --all] | status   (optional: --dir <migrations folder>)
 */
import { parseArgs } from "node:util";
import { createSql } from "./client.ts";
import { migrateDown, migrateUp, type MigrationStatus, migrationStatus } from "./migrate.ts";

const USAGE = "usage: migrate_cli.ts up | down [--steps N | --all] | status [--dir <migrations folder>]";

/** Where the CLI writes: stdout for results, stderr for errors (swappable for tests). */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: CliOutput = { out: (l) => console.log(l), err: (l) => console.error(l) };

/**
 * Runs one command. Returns the process exit code: 0 done, 1 failed (message on `err`), 2 bad usage.
 * `env` supplies DATABASE_URL.
 */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  io: CliOutput = consoleOutput,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { steps: { type: "string" }, all: { type: "boolean" }, dir: { type: "string" } },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, ...extra] = parsed.positionals;
  const steps = parsed.values.all ? Infinity : Number(parsed.values.steps ?? 1);
  if (!["up", "down", "status"].includes(command) || extra.length > 0 || !(steps >= 1)) {
    io.err(USAGE);
    return 2;
  }
  const databaseUrl = env.DATABASE_URL?.trim();
  if (!databaseUrl) {
    io.err(
      "DATABASE_URL is not set. Set it to the Postgres to migrate, e.g. " +
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/beatsight deno task db:migrate " +
        "(locally, `deno task start` prints the PGlite URL it serves).",
    );
    return 1;
  }
  // One connection is all the runner uses, and it is the only size the PGlite stand-in accepts.
  let sql;
  try {
    sql = createSql(databaseUrl, { max: 1, applicationName: "beatsight-migrate" });
  } catch (error) {
    io.err((error as Error).message);
    return 1;
  }
  const dir = parsed.values.dir;
  try {
    if (command === "up") {
      const applied = await migrateUp(sql, { dir });
      io.out(applied.length ? `Applied ${applied.join(", ")}.` : "Database is up to date; nothing to apply.");
    } else if (command === "down") {
      const undone = await migrateDown(sql, { dir, steps });
      io.out(undone.length ? `Rolled back ${undone.join(", ")}.` : "No applied migrations; nothing to roll back.");
    } else {
      const rows = await migrationStatus(sql, { dir });
      for (const line of formatStatusTable(rows)) io.out(line);
      if (rows.some((r) => !r.checksumOk)) return 1;
    }
    return 0;
  } catch (error) {
    io.err(`${(error as Error).name}: ${(error as Error).message}`);
    return 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Renders status rows as an aligned text table, one line per migration, with a summary line. */
export function formatStatusTable(rows: readonly MigrationStatus[]): string[] {
  const table = [["VERSION", "NAME", "STATE", "APPLIED AT"]];
  for (const r of rows) {
    const state = r.fileMissing ? "FILE MISSING" : !r.checksumOk ? "CHANGED" : r.applied ? "applied" : "pending";
    table.push([r.version, r.name, state, r.appliedAt ? r.appliedAt.toISOString() : "-"]);
  }
  const widths = table[0].map((_, col) => Math.max(...table.map((row) => row[col].length)));
  const lines = table.map((row) => row.map((cell, col) => cell.padEnd(widths[col])).join("  ").trimEnd());
  const applied = rows.filter((r) => r.applied).length;
  const bad = rows.filter((r) => !r.checksumOk).length;
  lines.push(
    `${applied} applied, ${rows.length - applied} pending` +
      (bad ? `, ${bad} CHANGED or MISSING: the runner will refuse to migrate until they are restored.` : "."),
  );
  return lines;
}

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args, Deno.env.toObject()));
}
