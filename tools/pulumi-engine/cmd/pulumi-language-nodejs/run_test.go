package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestProgramConfigUsesTheFormEverySDKReads(t *testing.T) {
	got, err := programConfig(map[string]string{"docs-chat:space": "a/b", "vercel:team": "t"})
	if err != nil {
		t.Fatal(err)
	}
	var parsed map[string]string
	if err := json.Unmarshal([]byte(got), &parsed); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"docs-chat:config:space": "a/b", "vercel:config:team": "t"}
	if len(parsed) != len(want) || parsed["docs-chat:config:space"] != "a/b" || parsed["vercel:config:team"] != "t" {
		t.Fatalf("config = %v, want %v", parsed, want)
	}
	if _, err := programConfig(map[string]string{"no-namespace": "x"}); err == nil {
		t.Fatal("a key without a namespace was accepted")
	}
}

func TestRunArgumentsPutFlagsBeforeTheEntryPoint(t *testing.T) {
	req := &pulumirpc.RunRequest{
		MonitorAddress: "127.0.0.1:1",
		Project:        "p",
		Stack:          "dev",
		DryRun:         true,
		Parallel:       4,
		Args:           []string{"extra"},
		Info:           &pulumirpc.ProgramInfo{RootDirectory: "/r", ProgramDirectory: "/r/infra", EntryPoint: "."},
	}
	got := runArguments(req, "/nm/run.js", "127.0.0.1:2", "")
	want := []string{
		"/nm/run.js", "--monitor", "127.0.0.1:1", "--engine", "127.0.0.1:2", "--project", "p",
		"--root-directory", "/r", "--stack", "dev", "--pwd", "/r/infra", "--dry-run", "--parallel", "4",
		".", "extra",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("args =\n%v\nwant\n%v", got, want)
	}
}

// fakeSDK installs a stand-in for @pulumi/pulumi/cmd/run in dir that records
// its arguments and environment, then exits with the given code.
func fakeSDK(t *testing.T, dir string, exitCode int) string {
	t.Helper()
	record := filepath.Join(dir, "record.json")
	run := filepath.Join(dir, "node_modules", "@pulumi", "pulumi", "cmd", "run")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	script := `require("fs").writeFileSync(process.env.RECORD, JSON.stringify({
  argv: process.argv.slice(2),
  config: process.env.PULUMI_CONFIG,
  secretKeys: process.env.PULUMI_CONFIG_SECRET_KEYS,
  typescript: process.env.PULUMI_NODEJS_TYPESCRIPT ?? null,
}));
process.exit(` + jsonNumber(exitCode) + `);`
	if err := os.WriteFile(filepath.Join(run, "index.js"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RECORD", record)
	return record
}

func jsonNumber(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func runRequest(t *testing.T, dir string, options map[string]any) *pulumirpc.RunRequest {
	t.Helper()
	opts, err := structpb.NewStruct(options)
	if err != nil {
		t.Fatal(err)
	}
	return &pulumirpc.RunRequest{
		MonitorAddress:   "127.0.0.1:1",
		Stack:            "dev",
		Config:           map[string]string{"app:token": "s"},
		ConfigSecretKeys: []string{"app:token"},
		Info:             &pulumirpc.ProgramInfo{RootDirectory: dir, ProgramDirectory: dir, EntryPoint: ".", Options: opts},
	}
}

func requireNode(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not on PATH")
	}
}

func TestRunStartsTheSDKsRunEntryWithConfigAndOptions(t *testing.T) {
	requireNode(t)
	dir := t.TempDir()
	record := fakeSDK(t, dir, 0)

	resp, err := newLanguageHost("127.0.0.1:2", "").Run(context.Background(),
		runRequest(t, dir, map[string]any{"typescript": false}))
	if err != nil || resp.GetError() != "" || resp.GetBail() {
		t.Fatalf("Run = %v, %v", resp, err)
	}

	var seen struct {
		Argv       []string `json:"argv"`
		Config     string   `json:"config"`
		SecretKeys string   `json:"secretKeys"`
		TypeScript *string  `json:"typescript"`
	}
	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &seen); err != nil {
		t.Fatal(err)
	}
	if seen.Argv[len(seen.Argv)-1] != "." || !slices.Contains(seen.Argv, "--monitor") {
		t.Errorf("argv = %v", seen.Argv)
	}
	if seen.Config != `{"app:config:token":"s"}` || seen.SecretKeys != `["app:token"]` {
		t.Errorf("config = %s, secret keys = %s", seen.Config, seen.SecretKeys)
	}
	if seen.TypeScript != nil {
		t.Errorf("PULUMI_NODEJS_TYPESCRIPT = %q with typescript: false", *seen.TypeScript)
	}
}

func TestRunReportsExitCodes(t *testing.T) {
	requireNode(t)
	for _, tc := range []struct {
		code      int
		wantError string
		wantBail  bool
	}{
		{code: 1, wantError: "Program exited with non-zero exit code: 1"},
		{code: exitAlreadyReported, wantBail: true},
	} {
		dir := t.TempDir()
		fakeSDK(t, dir, tc.code)
		resp, err := newLanguageHost("", "").Run(context.Background(), runRequest(t, dir, map[string]any{}))
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetError() != tc.wantError || resp.GetBail() != tc.wantBail {
			t.Errorf("exit %d: Run = %v", tc.code, resp)
		}
	}
}

func TestRunWithoutTheSDKSaysHowToFixIt(t *testing.T) {
	requireNode(t)
	resp, err := newLanguageHost("", "").Run(context.Background(), runRequest(t, t.TempDir(), map[string]any{}))
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetError() == "" {
		t.Fatal("Run succeeded without @pulumi/pulumi installed")
	}
}
