/**
 * No Docker engine or flyctl runs here, so the deploy files are checked against the code instead: fly.toml is
 * parsed and compared with the web app's routes and tasks; Dockerfile.inference is linted against the inference
 * package (paths it copies, its entry point, port, scripts, system tools).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** Secrets the web app needs in production; each must be documented in fly.toml and absent from [env]. */
const WEB_SECRETS = [
  "DATABASE_URL",
  "UPSTASH_REDIS_REST_URL",
  "UPSTASH_REDIS_REST_TOKEN",
  "QSTASH_TOKEN",
  "QSTASH_CURRENT_SIGNING_KEY",
  "QSTASH_NEXT_SIGNING_KEY",
  "CALLBACK_SIGNING_KEYS",
  "SESSION_SECRET",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "S3_ENDPOINT",
  "S3_BUCKET",
  "S3_REGION",
];

/** The parts of fly.toml these tests read (the rest of the file may hold anything Fly accepts). */
const flySchema = z.object({
  deploy: z.object({ release_command: z.string() }),
  env: z.record(z.string(), z.unknown()),
  http_service: z.object({
    internal_port: z.number(),
    force_https: z.boolean(),
    checks: z.array(z.object({ path: z.string() })),
  }),
  checks: z.record(z.string(), z.object({ path: z.string(), port: z.number() })),
});

/** The default of `envName` in the docs/CONTRACTS.md "Ports and env" table. */
function contractDefault(envName: string): string {
  const row = read("docs/CONTRACTS.md").split("\n").find((l) => l.includes(`\`${envName}\``) && l.startsWith("|"));
  assert.ok(row, `docs/CONTRACTS.md has no row for ${envName}`);
  return row.split("|").at(-2)!.trim();
}

interface Instruction {
  keyword: string;
  args: string;
  /** Index of the stage (FROM) the instruction belongs to. */
  stage: number;
}

interface Stage {
  name: string;
  /** The FROM argument with global ARG defaults substituted. */
  from: string;
}

/** Splits a Dockerfile into instructions (continuations joined, comments dropped) and stages. */
function parseDockerfile(text: string): { instructions: Instruction[]; stages: Stage[]; args: Map<string, string> } {
  const logical: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || (!line && !pending)) continue;
    if (line.endsWith("\\")) pending += line.slice(0, -1) + " ";
    else {
      logical.push(pending + line);
      pending = "";
    }
  }
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  const instructions: Instruction[] = [];
  const substitute = (s: string) => s.replace(/\$\{(\w+)\}/g, (_, n) => args.get(n) ?? `\${${n}}`);
  for (const line of logical) {
    const [, keyword, rest] = /^(\w+)\s*(.*)$/.exec(line)!;
    const upper = keyword.toUpperCase();
    if (upper === "ARG" && stages.length === 0) {
      const [name, value = ""] = rest.split("=");
      args.set(name.trim(), value.trim());
    }
    if (upper === "FROM") {
      const [, image, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest.trim())!;
      stages.push({ name: name ?? String(stages.length), from: substitute(image) });
    }
    instructions.push({ keyword: upper, args: rest.trim(), stage: stages.length - 1 });
  }
  return { instructions, stages, args };
}

/** A .dockerignore pattern as a regex over slash paths (`*` within a segment, `**` across segments). */
function ignoreRegex(pattern: string): RegExp {
  const body = pattern.replace(/^\/+|\/+$/g, "").split(/(\*\*\/|\*\*|\*)/).map((part) => {
    if (part === "**/") return "(?:.*/)?";
    if (part === "**") return ".*";
    if (part === "*") return "[^/]*";
    return part.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  }).join("");
  return new RegExp(`^${body}$`);
}

function isIgnored(path: string, dockerignore: string): boolean {
  const patterns = dockerignore.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const prefixes = path.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
  let ignored = false;
  for (const p of patterns) {
    const negate = p.startsWith("!");
    const re = ignoreRegex(negate ? p.slice(1) : p);
    if (prefixes.some((prefix) => re.test(prefix))) ignored = !negate;
  }
  return ignored;
}

/**
 * Problems found in an inference Dockerfile, as readable sentences (empty = fine). `repo` answers whether a
 * path exists in the build context.
 */
function lintInferenceDockerfile(text: string, dockerignore: string, repo: (p: string) => boolean): string[] {
  const problems: string[] = [];
  const { instructions, stages, args } = parseDockerfile(text);
  const final = stages.length - 1;
  const stageIndex = (name: string) => stages.findIndex((s) => s.name === name);
  // The chain of stages the final image is built on (FROM <earlier stage>).
  const lineage = [final];
  for (let s = stages[final]; stageIndex(s.from) >= 0; s = stages[stageIndex(s.from)]) lineage.push(stageIndex(s.from));
  const inLineage = (i: Instruction) => lineage.includes(i.stage);

  const target = args.get("TARGET") ?? "";
  for (const t of ["cuda", "cpu"]) {
    if (stageIndex(`base-${t}`) < 0) problems.push(`no base-${t} stage for TARGET=${t}`);
  }
  if (!["cuda", "cpu"].includes(target)) problems.push(`TARGET defaults to "${target}", not cuda or cpu`);
  if (!/cudnn-runtime-ubuntu22\.04$/.test(args.get("CUDA_BASE") ?? "")) {
    problems.push("CUDA_BASE is not a cudnn runtime");
  }
  if (!/^node:20[.-]/.test(args.get("CPU_BASE") ?? "")) problems.push("CPU_BASE is not a Node 20 image");

  const ortInstall = (stage: string) =>
    instructions.find((i) =>
      i.stage === stageIndex(stage) && i.keyword === "ENV" && /ONNXRUNTIME_NODE_INSTALL=/.test(i.args)
    )
      ?.args.match(/ONNXRUNTIME_NODE_INSTALL=(\S+)/)?.[1];
  if (ortInstall("base-cpu") !== "skip") problems.push("the cpu target must set ONNXRUNTIME_NODE_INSTALL=skip");
  if (ortInstall("base-cuda") !== "cuda12") problems.push("the cuda target must set ONNXRUNTIME_NODE_INSTALL=cuda12");

  const copies = instructions.filter((i) => i.keyword === "COPY" && !i.args.includes("--from="));
  const workdirs = instructions.filter((i) => i.keyword === "WORKDIR" && i.stage === final);
  const workdir = workdirs.at(-1)?.args ?? "/";
  const imagePaths = new Map<string, string>(); // path in the image -> path in the repo (final stage)
  for (const copy of copies) {
    const parts = copy.args.split(/\s+/);
    const dest = parts.pop()!;
    for (const src of parts) {
      if (!repo(src)) problems.push(`COPY ${src}: no such path in the repo`);
      if (isIgnored(src, dockerignore)) problems.push(`COPY ${src}: excluded by .dockerignore`);
      if (copy.stage !== final) continue;
      const target = dest.endsWith("/") ? posix.join(workdir, dest, posix.basename(src)) : posix.join(workdir, dest);
      imagePaths.set(target, src);
    }
  }

  const cmd = instructions.filter((i) => i.keyword === "CMD" && i.stage === final).at(-1);
  const argv: string[] = cmd ? JSON.parse(cmd.args) : [];
  const pkg = JSON.parse(read("inference/package.json"));
  if (argv.join(" ") !== pkg.scripts?.start) problems.push(`CMD "${argv.join(" ")}" differs from npm start`);
  const entry = argv.find((a) => /\.(ts|js|mjs)$/.test(a));
  const entryInImage = entry ? posix.join(workdir, entry) : "";
  const source = [...imagePaths].find(([dest]) => entryInImage === dest || entryInImage.startsWith(dest + "/"));
  const entryInRepo = source ? source[1] + entryInImage.slice(source[0].length) : "";
  if (!entryInRepo || !repo(entryInRepo)) problems.push(`CMD entry ${entry} is not copied from the repo`);
  if (argv.includes("tsx") && !pkg.dependencies?.tsx) problems.push("tsx runs the server but is not a dependency");
  for (const run of instructions.filter((i) => i.keyword === "RUN")) {
    for (const [, script] of run.args.matchAll(/npm run (\S+)/g)) {
      if (!pkg.scripts?.[script]) problems.push(`RUN uses npm run ${script}, which package.json lacks`);
    }
  }

  const installs = instructions.filter((i) => inLineage(i) && i.keyword === "RUN" && /apt-get install/.test(i.args));
  for (const pkgName of ["ffmpeg", "libchromaprint-tools"]) {
    if (!installs.some((i) => new RegExp(`\\s${pkgName}(\\s|$)`).test(i.args))) {
      problems.push(`the runtime image does not install ${pkgName}`);
    }
  }
  const port = contractDefault("INFERENCE_PORT");
  const exposed = instructions.filter((i) => i.keyword === "EXPOSE" && i.stage === final).map((i) => i.args);
  if (exposed.join() !== port) problems.push(`EXPOSE ${exposed.join()} is not the inference port ${port}`);
  const health = instructions.find((i) => i.keyword === "HEALTHCHECK" && i.stage === final);
  if (!health?.args.includes("/healthz")) problems.push("no HEALTHCHECK on /healthz");
  const user = instructions.filter((i) => i.keyword === "USER" && inLineage(i)).at(-1)?.args;
  if (!user || user === "root" || user === "0") problems.push("the image runs as root");
  return problems;
}

const repoHas = (path: string) => existsSync(join(ROOT, path));

Deno.test("fly.toml - release command migrates, health checks hit real routes, secrets documented not set", () => {
  const text = read("fly.toml");
  const fly = flySchema.parse(parseToml(text));
  assert.equal(fly.deploy.release_command, "deno task db:migrate");
  const task: string = JSON.parse(read("deno.json")).tasks["db:migrate"];
  const cli = task.match(/(web\/\S+\.ts)/)?.[1];
  assert.ok(cli && repoHas(cli), `db:migrate task runs a missing file: ${task}`);

  assert.equal(fly.http_service.internal_port, Number(contractDefault("PORT")));
  assert.equal(fly.http_service.force_https, true);
  assert.equal(fly.env.PORT, contractDefault("PORT"));
  const liveness = fly.http_service.checks.map((c) => c.path);
  assert.deepEqual(liveness, ["/healthz"]);
  const readiness = Object.values(fly.checks);
  assert.deepEqual(readiness.map((c) => [c.path, c.port]), [["/readyz", 8000]]);
  const health = read("web/routes/api/health.ts");
  for (const path of ["/healthz", "/readyz"]) assert.ok(health.includes(`"${path}"`), `web has no ${path} route`);

  const comments = text.split("\n").filter((l) => l.trimStart().startsWith("#")).join("\n");
  assert.match(comments, /fly secrets set/);
  for (const name of WEB_SECRETS) {
    assert.ok(new RegExp(`\\b${name}=`).test(comments), `fly.toml does not document the secret ${name}`);
    assert.ok(!(name in fly.env), `${name} is a secret but is set in [env]`);
  }
  for (const [name, value] of Object.entries(fly.env)) {
    assert.equal(typeof value, "string", `[env] ${name} must be a string`);
    assert.ok(!/SECRET|TOKEN|PASSWORD|KEY/.test(name), `[env] ${name} looks like a secret`);
  }
});

Deno.test("Dockerfile.inference - matches the inference package (paths, entry, port, scripts, tools)", () => {
  assert.deepEqual(lintInferenceDockerfile(read("Dockerfile.inference"), read(".dockerignore"), repoHas), []);
  // The exposed port agrees with the server's own default, not only with the contract table.
  const envDefault = read("inference/src/env.ts").match(/INFERENCE_PORT:.*\.default\((\d+)\)/)?.[1];
  assert.equal(envDefault, contractDefault("INFERENCE_PORT"));
  assert.ok(read("inference/src/routes/health.ts").includes('"/healthz"'), "inference has no /healthz route");
});

Deno.test("Dockerfile.inference - the CUDA install flag is one onnxruntime-node accepts on linux/x64", {
  // The install metadata ships inside onnxruntime-node; without `npm install` in inference/ there is nothing to ask.
  ignore: !repoHas("inference/node_modules/onnxruntime-node/script/install-metadata.js"),
}, () => {
  const require = createRequire(join(ROOT, "inference/package.json"));
  const metadata = require("onnxruntime-node/script/install-metadata.js");
  assert.ok(metadata.requirements["linux/x64"].includes("cuda12"));
});

Deno.test("lintInferenceDockerfile - reports broken copies, entry, port, tools and user", () => {
  const broken = read("Dockerfile.inference")
    .replace("COPY inference/models ./models", "COPY inference/weights ./models")
    .replace('"src/main.ts"]', '"src/server.ts"]')
    .replace("EXPOSE 8787", "EXPOSE 8080")
    .replace(" libchromaprint-tools", "")
    .replace("USER beatsight", "USER root")
    .replace("ONNXRUNTIME_NODE_INSTALL=skip", "ONNXRUNTIME_NODE_INSTALL=cuda12");
  const problems = lintInferenceDockerfile(broken, read(".dockerignore") + "\ninference/src\n", repoHas);
  const expected = [
    "the cpu target must set ONNXRUNTIME_NODE_INSTALL=skip",
    "COPY inference/src: excluded by .dockerignore",
    "COPY inference/weights: no such path in the repo",
    'CMD "node --import tsx src/server.ts" differs from npm start',
    "CMD entry src/server.ts is not copied from the repo",
    "the runtime image does not install libchromaprint-tools",
    "EXPOSE 8080 is not the inference port 8787",
    "the image runs as root",
  ];
  assert.deepEqual(problems, expected);
});

Deno.test("isIgnored - .dockerignore globs, directories and negation", () => {
  const rules = "**/node_modules\n.git\n*.log\nweb/static/build\n!keep.log\n";
  assert.equal(isIgnored("inference/node_modules/x/index.js", rules), true);
  assert.equal(isIgnored("node_modules", rules), true);
  assert.equal(isIgnored("app.log", rules), true);
  assert.equal(isIgnored("keep.log", rules), false);
  assert.equal(isIgnored("web/static/build/app.js", rules), true);
  assert.equal(isIgnored("inference/src", rules), false);
});
