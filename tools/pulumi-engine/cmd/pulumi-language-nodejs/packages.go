package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// packageJSON is the part of a package.json that says whether the package
// needs a Pulumi resource plugin.
type packageJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  struct {
		Resource         bool                     `json:"resource"`
		Name             string                   `json:"name"`
		Version          string                   `json:"version"`
		Server           string                   `json:"server"`
		Parameterization *packageParameterization `json:"parameterization"`
	} `json:"pulumi"`
}

type packageParameterization struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Value   []byte `json:"value"`
}

// findResourcePackages lists the installed npm packages that declare a Pulumi
// resource plugin, so the engine can load those plugins before the program
// runs. It looks where Node would resolve them from: node_modules in the
// program folder and each parent up to the project root (Pulumi.yaml's
// folder), the nearest copy of a package winning.
func findResourcePackages(programDir, rootDir string) ([]*pulumirpc.PackageDependency, error) {
	seen := map[string]bool{}
	var found []*pulumirpc.PackageDependency
	for _, dir := range resolutionDirs(programDir, rootDir) {
		manifests, err := installedManifests(filepath.Join(dir, "node_modules"))
		if err != nil {
			return nil, err
		}
		for _, manifest := range manifests {
			pkg, err := readPackageJSON(manifest)
			if err != nil || pkg.Name == "" || seen[pkg.Name] {
				// Unreadable manifests are npm's business, not the engine's.
				continue
			}
			seen[pkg.Name] = true
			if !pkg.Pulumi.Resource {
				continue
			}
			dep, err := resourceDependency(pkg)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", manifest, err)
			}
			found = append(found, dep)
		}
	}
	return found, nil
}

// resolutionDirs is programDir and its parents up to rootDir; just programDir
// when rootDir is not one of its parents.
func resolutionDirs(programDir, rootDir string) []string {
	dir := filepath.Clean(programDir)
	root := filepath.Clean(rootDir)
	dirs := []string{dir}
	if rootDir == "" || !strings.HasPrefix(dir, root+string(filepath.Separator)) {
		return dirs
	}
	for dir != root {
		dir = filepath.Dir(dir)
		dirs = append(dirs, dir)
	}
	return dirs
}

// installedManifests lists the package.json of each top-level package in a
// node_modules folder, scoped ones (@scope/name) included.
func installedManifests(nodeModules string) ([]string, error) {
	entries, err := os.ReadDir(nodeModules)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var manifests []string
	for _, entry := range entries {
		name := entry.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if strings.HasPrefix(name, "@") {
			scoped, err := os.ReadDir(filepath.Join(nodeModules, name))
			if err != nil {
				continue
			}
			for _, inner := range scoped {
				manifests = append(manifests, filepath.Join(nodeModules, name, inner.Name(), "package.json"))
			}
			continue
		}
		manifests = append(manifests, filepath.Join(nodeModules, name, "package.json"))
	}
	return manifests, nil
}

func readPackageJSON(path string) (packageJSON, error) {
	var pkg packageJSON
	b, err := os.ReadFile(path)
	if err != nil {
		return pkg, err
	}
	err = json.Unmarshal(b, &pkg)
	return pkg, err
}

// resourceDependency names the plugin the way Pulumi's packages expect: the
// "pulumi" section wins, else an @pulumi/ package's bare name.
func resourceDependency(pkg packageJSON) (*pulumirpc.PackageDependency, error) {
	name := pkg.Pulumi.Name
	if name == "" {
		bare, ok := strings.CutPrefix(pkg.Name, "@pulumi/")
		if !ok {
			return nil, errors.New(`a third-party resource package must name its plugin in "pulumi.name"`)
		}
		name = bare
	}
	version := pkg.Pulumi.Version
	if version == "" {
		version = pkg.Version
	}
	if version == "" {
		return nil, errors.New("no version for the resource plugin")
	}
	if !strings.HasPrefix(version, "v") {
		version = "v" + version
	}
	dep := &pulumirpc.PackageDependency{
		Name:    name,
		Kind:    "resource",
		Version: version,
		Server:  pkg.Pulumi.Server,
	}
	if p := pkg.Pulumi.Parameterization; p != nil {
		dep.Parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
	}
	return dep, nil
}
