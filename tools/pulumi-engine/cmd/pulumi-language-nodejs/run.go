package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/google/shlex"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// runEntry is @pulumi/pulumi's program launcher; it is resolved from the
// program's folder so the program's own copy of the SDK runs it.
const runEntry = "@pulumi/pulumi/cmd/run"

// exitAlreadyReported is the exit code cmd/run uses after it has shown the
// user an actionable error: the engine should then stop without adding one.
const exitAlreadyReported = 32

func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	if info == nil {
		return nil, status.Error(codes.InvalidArgument, "missing program info")
	}
	// Problems with the program or its setup go back as RunResponse.Error, which
	// the engine shows as a program failure rather than a host crash.
	command, err := h.programCommand(ctx, req)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return h.runProgram(ctx, command), nil
}

type nodeCommand struct {
	node string
	args []string
	env  []string
}

func (h *languageHost) programCommand(ctx context.Context, req *pulumirpc.RunRequest) (nodeCommand, error) {
	info := req.GetInfo()
	options, err := parseRuntimeOptions(info.GetOptions().AsMap())
	if err != nil {
		return nodeCommand{}, err
	}
	nodeArgs, err := shlex.Split(options.nodeArgs)
	if err != nil {
		return nodeCommand{}, fmt.Errorf("runtime option nodeargs: %w", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nodeCommand{}, fmt.Errorf("could not find node on PATH: %w", err)
	}
	runScript, err := resolveModule(ctx, node, info.GetProgramDirectory(), runEntry)
	if err != nil {
		return nodeCommand{}, err
	}
	configJSON, err := programConfig(req.GetConfig())
	if err != nil {
		return nodeCommand{}, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nodeCommand{}, err
	}

	env := append(os.Environ(),
		"PULUMI_CONFIG="+configJSON,
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))
	env = append(env, options.environment()...)
	args := append(nodeArgs, runArguments(req, runScript, h.engineAddress, h.tracing)...)
	return nodeCommand{node: node, args: args, env: env}, nil
}

// runArguments are the flags @pulumi/pulumi's cmd/run parses (minimist), then
// the entry point and the program's own arguments. The program talks to the
// engine's resource monitor directly; no --sync pipes, so the long-deprecated
// synchronous invokes are unavailable.
func runArguments(req *pulumirpc.RunRequest, runScript, engineAddress, tracing string) []string {
	info := req.GetInfo()
	args := []string{runScript}
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flag("monitor", req.GetMonitorAddress())
	flag("engine", engineAddress)
	flag("organization", req.GetOrganization())
	flag("project", req.GetProject())
	flag("root-directory", info.GetRootDirectory())
	flag("stack", req.GetStack())
	flag("pwd", info.GetProgramDirectory())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flag("parallel", strconv.Itoa(int(req.GetParallel())))
	flag("tracing", tracing)

	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	return append(args, req.GetArgs()...)
}

// programConfig renders the stack config as cmd/run expects it in
// PULUMI_CONFIG: keys in the "<namespace>:config:<name>" form that every
// @pulumi/pulumi version understands.
func programConfig(cfg map[string]string) (string, error) {
	rendered := make(map[string]string, len(cfg))
	for k, v := range cfg {
		key, err := config.ParseKey(k)
		if err != nil {
			return "", fmt.Errorf("config key %q: %w", k, err)
		}
		rendered[key.Namespace()+":config:"+key.Name()] = v
	}
	b, err := json.Marshal(rendered)
	return string(b), err
}

// resolveModule asks node where a module resolves from dir, the way the
// program itself will resolve it.
func resolveModule(ctx context.Context, node, dir, module string) (string, error) {
	cmd := exec.CommandContext(ctx, node, "-e", "console.log(require.resolve(process.argv[1]))", module)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cannot resolve %s from %s (is @pulumi/pulumi installed? run npm ci): %v: %s",
			module, dir, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

func (h *languageHost) runProgram(ctx context.Context, command nodeCommand) *pulumirpc.RunResponse {
	cmdCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(cmdCtx, command.node, command.args...)
	cmd.Env = command.env
	// Interrupt first so the SDK can flush its last registrations.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	// Node may switch an inherited stdout/stderr to non-blocking mode, which
	// would break our own writes to it: give it pipes that we copy from.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}
	defer h.track(cmd, cancel)()

	err := cmd.Run()
	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run node: %v", err)}
	}
	if exitErr.ExitCode() == exitAlreadyReported {
		return &pulumirpc.RunResponse{Bail: true}
	}
	return &pulumirpc.RunResponse{
		Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
	}
}
