import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseCpuList, type Affinity } from "../affinity.ts";
import { limitOf } from "../bottleneck.ts";
import { byModule, moduleOf, selfTimes, type CpuProfile } from "../cpu-profile-summary.ts";
import type { LevelResult } from "../measure.ts";
import { parseSettings, type Settings } from "../settings.ts";

/** A level with the CPU shares given (in cores), the rest irrelevant here. */
function level(shares: { service: number; emulators: number; bench?: number; machine: number; perCpu?: Record<string, number> }): LevelResult {
  const none = { count: 0, p50: null, p95: null, p99: null, max: null };
  return {
    concurrency: 50,
    chats: 100,
    completed: 100,
    errors: 0,
    errorKinds: {},
    maxInFlight: 50,
    wallSeconds: 1,
    firstTokenMs: none,
    heldFirstTokenMs: none,
    tokensPerSecond: null,
    streamTokensPerSecondP50: null,
    chatsPerSecond: 100,
    service: { maxRssMb: 1, peakRssMb: 1, cpuSeconds: shares.service, cpuShare: shares.service, cpuSecondsPerChat: shares.service / 100 },
    bench: { cpuSeconds: shares.bench ?? 0.1, cpuShare: shares.bench ?? 0.1, eventLoopDelayP99Ms: null },
    upstreams: { cpuSeconds: shares.emulators, cpuShare: shares.emulators, cpuSecondsPerChat: shares.emulators / 100 },
    machine: { busyCores: shares.machine, stealCores: 0, perCpuBusy: shares.perCpu ?? {} },
    window: { startUs: 0, endUs: 1e6 },
  };
}

const pinned: Affinity = { service: "1", others: "0", serviceCpus: [1], otherCpus: [0] };

describe("CPU affinity", () => {
  test("reads taskset's CPU lists", () => {
    assert.deepEqual(parseCpuList("0,1"), [0, 1]);
    assert.deepEqual(parseCpuList(" 0-3,6\n"), [0, 1, 2, 3, 6]);
    assert.deepEqual(parseCpuList("5"), [5]);
  });
});

describe("what limited a level", () => {
  test("nothing, when the machine had CPU to spare", () => {
    assert.equal(limitOf(level({ service: 0.9, emulators: 0.4, machine: 1.5 }), undefined, 2), undefined);
    assert.equal(limitOf(level({ service: 0.95, emulators: 0.4, machine: 1.5, perCpu: { "0": 0.5, "1": 1 } }), pinned, 2), undefined);
  });

  test("the emulators, when their event loop is nearly full, pinned or not", () => {
    assert.match(limitOf(level({ service: 0.5, emulators: 0.85, machine: 1.5 }), undefined, 2) ?? "", /^emulators: 85% of a core/);
    assert.match(limitOf(level({ service: 0.5, emulators: 0.85, machine: 1.5, perCpu: { "0": 0.9, "1": 0.5 } }), pinned, 2) ?? "", /^emulators:/);
  });

  test("unpinned on a saturated machine: the emulators when they took a notable share, else other work", () => {
    assert.match(limitOf(level({ service: 0.7, emulators: 0.75, machine: 1.9 }), undefined, 2) ?? "", /^emulators: unpinned on a saturated machine/);
    assert.match(limitOf(level({ service: 0.7, emulators: 0.1, machine: 1.9 }), undefined, 2) ?? "", /^machine: saturated by other work/);
  });

  test("pinned: the emulators when their CPU is saturated, the machine when other work takes the service's", () => {
    assert.match(limitOf(level({ service: 0.6, emulators: 0.6, machine: 1.6, perCpu: { "0": 0.97, "1": 0.6 } }), pinned, 2) ?? "", /^emulators: their CPU 0 97% busy/);
    assert.match(limitOf(level({ service: 0.5, emulators: 0.3, machine: 1.5, perCpu: { "0": 0.5, "1": 0.98 } }), pinned, 2) ?? "", /^machine: the service's CPU 1 98% busy, 48% of it other work/);
    // The emulators' CPU saturated by other work, the emulators and the load generator taking little of it.
    assert.match(limitOf(level({ service: 0.25, emulators: 0.2, bench: 0.1, machine: 1.9, perCpu: { "0": 0.98, "1": 0.9 } }), pinned, 2) ?? "", /^machine: the emulators' CPU 0 98% busy, 68% of it other work/);
  });
});

describe("CPU profile summary", () => {
  // Three functions; samples 10 ms apart, the profile starting at t = 1000 µs.
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: "(idle)", url: "", lineNumber: -1 } },
      { id: 2, callFrame: { functionName: "hybridSearch", url: "file:///repo/service/src/retrieval/qdrant-store.ts", lineNumber: 122 } },
      { id: 3, callFrame: { functionName: "parse", url: "file:///repo/node_modules/@pinojs/redact/index.js", lineNumber: 9 } },
      { id: 4, callFrame: { functionName: "(garbage collector)", url: "", lineNumber: -1 } },
    ],
    startTime: 1000,
    samples: [2, 2, 3, 1, 4, 2],
    timeDeltas: [0, 10_000, 10_000, 10_000, 10_000, 10_000],
  };

  test("self time per function, idle left out, the last sample (no next one) unweighted", () => {
    const times = selfTimes(profile);
    assert.deepEqual(Object.fromEntries(times), {
      "hybridSearch\tservice/src/retrieval/qdrant-store.ts:123": 20,
      "parse\t@pinojs/redact:10": 10,
      "(garbage collector)\t(native or V8)": 10,
    });
    assert.deepEqual(Object.fromEntries(byModule(times)), { "service/src/retrieval/qdrant-store.ts": 20, "@pinojs/redact": 10, "(garbage collector)": 10 });
  });

  test("cut to a window on the profile's clock", () => {
    // Samples at 1000, 11000, 21000, 31000, 41000, 51000 µs: the window holds the 2nd and 3rd.
    assert.deepEqual(Object.fromEntries(selfTimes(profile, [{ startUs: 10_000, endUs: 30_000 }])), {
      "hybridSearch\tservice/src/retrieval/qdrant-store.ts:123": 10,
      "parse\t@pinojs/redact:10": 10,
    });
  });

  test("names modules short", () => {
    assert.equal(moduleOf("file:///a/node_modules/undici/lib/core/tree.js"), "undici");
    assert.equal(moduleOf("node:net"), "node:net");
    assert.equal(moduleOf("file:///work/x/emulators/qdrant-filter.ts"), "emulators/qdrant-filter.ts");
    assert.equal(moduleOf(""), "(native or V8)");
  });
});

describe("--max-cpu-per-chat-ms", () => {
  const parse = (args: string[]) => parseSettings(args) as Settings;

  test("is a bound in ms on the throughput scenario", () => {
    assert.equal(parse(["--quick", "--max-cpu-per-chat-ms", "2.6"]).maxCpuPerChatMs, 2.6);
    assert.equal(parse(["--throughput", "--max-cpu-per-chat-ms=1.5"]).maxCpuPerChatMs, 1.5);
    assert.equal(parse(["--quick"]).maxCpuPerChatMs, undefined);
  });

  test("refuses a bound it cannot check, or that is not a positive number", () => {
    assert.throws(() => parse(["--overhead", "--max-cpu-per-chat-ms", "2"]), /throughput scenario, which this run leaves out/);
    assert.throws(() => parse(["--max-cpu-per-chat-ms", "0"]), /above 0/);
    assert.throws(() => parse(["--max-cpu-per-chat-ms", "fast"]), /above 0, not "fast"/);
    assert.throws(() => parse(["--target", "http://127.0.0.1:1", "--max-cpu-per-chat-ms", "2"]), /needs --target-pid/);
  });

  test("--no-pin turns pinning off; by default it is automatic", () => {
    assert.equal(parse(["--quick", "--no-pin"]).pin, false);
    assert.equal(parse(["--quick"]).pin, undefined);
  });
});
