package main

import (
	"context"
	"os/exec"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// languageHost answers the engine's LanguageRuntime calls. Calls it leaves to
// the embedded Unimplemented server (code generation, `pulumi new`, `pulumi
// install`, policy packs) answer codes.Unimplemented, which the engine reports
// as such; dependencies are installed with npm, not through the engine.
type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	engineAddress string
	tracing       string

	// cancel stops every program this host started, for the Cancel call.
	cancelMu sync.Mutex
	cancels  map[*exec.Cmd]context.CancelFunc
}

func newLanguageHost(engineAddress, tracing string) *languageHost {
	return &languageHost{
		engineAddress: engineAddress,
		tracing:       tracing,
		cancels:       map[*exec.Cmd]context.CancelFunc{},
	}
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// Handshake is only used when the engine attaches to an already running host
// (PULUMI_DEBUG_LANGUAGES); it then carries the engine address.
func (h *languageHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	info := req.GetInfo()
	if info == nil {
		return nil, status.Error(codes.InvalidArgument, "missing program info")
	}
	packages, err := findResourcePackages(info.GetProgramDirectory(), info.GetRootDirectory())
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

func (h *languageHost) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, status.Error(codes.FailedPrecondition, "node is not on PATH")
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, status.Errorf(codes.Internal, "node --version failed: %v", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

func (h *languageHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancelMu.Lock()
	defer h.cancelMu.Unlock()
	for _, cancel := range h.cancels {
		cancel()
	}
	return &emptypb.Empty{}, nil
}

func (h *languageHost) track(cmd *exec.Cmd, cancel context.CancelFunc) (untrack func()) {
	h.cancelMu.Lock()
	defer h.cancelMu.Unlock()
	h.cancels[cmd] = cancel
	return func() {
		h.cancelMu.Lock()
		defer h.cancelMu.Unlock()
		delete(h.cancels, cmd)
	}
}
