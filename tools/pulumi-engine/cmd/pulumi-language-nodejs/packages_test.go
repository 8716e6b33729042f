package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePackage(t *testing.T, nodeModules, name, manifest string) {
	t.Helper()
	dir := filepath.Join(nodeModules, filepath.FromSlash(name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindResourcePackagesLooksUpToTheProjectRoot(t *testing.T) {
	root := t.TempDir()
	program := filepath.Join(root, "infra")
	writePackage(t, filepath.Join(root, "node_modules"), "@pulumi/pulumi", `{"name":"@pulumi/pulumi","version":"3.270.0"}`)
	writePackage(t, filepath.Join(root, "node_modules"), "@pulumi/random",
		`{"name":"@pulumi/random","version":"4.1.0","pulumi":{"resource":true}}`)
	writePackage(t, filepath.Join(root, "node_modules"), "left-pad", `{"name":"left-pad","version":"1.0.0"}`)
	// The program folder's own copy shadows the root one, as in Node.
	writePackage(t, filepath.Join(program, "node_modules"), "@pulumi/random",
		`{"name":"@pulumi/random","version":"4.2.0","pulumi":{"resource":true,"server":"https://example.test"}}`)

	found, err := findResourcePackages(program, root)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 {
		t.Fatalf("found %d packages: %v", len(found), found)
	}
	got := found[0]
	if got.GetName() != "random" || got.GetVersion() != "v4.2.0" || got.GetKind() != "resource" ||
		got.GetServer() != "https://example.test" {
		t.Fatalf("found %v", got)
	}
}

func TestFindResourcePackagesNeedsAPluginNameForThirdPartyPackages(t *testing.T) {
	root := t.TempDir()
	writePackage(t, filepath.Join(root, "node_modules"), "@acme/thing",
		`{"name":"@acme/thing","version":"1.0.0","pulumi":{"resource":true}}`)
	_, err := findResourcePackages(root, root)
	if err == nil || !strings.Contains(err.Error(), "pulumi.name") {
		t.Fatalf("err = %v", err)
	}
}

func TestFindResourcePackagesWithoutNodeModulesFindsNothing(t *testing.T) {
	found, err := findResourcePackages(t.TempDir(), "")
	if err != nil || len(found) != 0 {
		t.Fatalf("found %v, err %v", found, err)
	}
}
