package main

import (
	"slices"
	"testing"
)

func TestRuntimeOptionsDefaultToTypeScriptLikePulumi(t *testing.T) {
	opts, err := parseRuntimeOptions(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(opts.environment(), []string{"PULUMI_NODEJS_TYPESCRIPT=true"}) {
		t.Fatalf("environment = %v", opts.environment())
	}
}

func TestRuntimeOptionsTypeScriptFalseLeavesTypeStrippingToNode(t *testing.T) {
	opts, err := parseRuntimeOptions(map[string]any{"typescript": false, "nodeargs": "--no-warnings"})
	if err != nil {
		t.Fatal(err)
	}
	if env := opts.environment(); len(env) != 0 {
		t.Fatalf("environment = %v, want none", env)
	}
	if opts.nodeArgs != "--no-warnings" {
		t.Fatalf("nodeArgs = %q", opts.nodeArgs)
	}
}

func TestRuntimeOptionsRejectWrongTypes(t *testing.T) {
	for _, options := range []map[string]any{
		{"typescript": "false"},
		{"tsconfig": true},
		{"nodeargs": 3.0},
	} {
		if _, err := parseRuntimeOptions(options); err == nil {
			t.Errorf("parseRuntimeOptions(%v) accepted a wrong type", options)
		}
	}
}
