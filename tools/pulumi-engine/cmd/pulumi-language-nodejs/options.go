package main

import "fmt"

// runtimeOptions are the `runtime.options` of Pulumi.yaml that change how the
// program starts, with the same names and defaults as Pulumi's own host.
type runtimeOptions struct {
	// typescript makes @pulumi/pulumi load ts-node; false lets Node 24 run
	// erasable .ts files itself (type stripping). Pulumi's default is true.
	typescript bool
	tsconfig   string
	nodeArgs   string
}

func parseRuntimeOptions(options map[string]any) (runtimeOptions, error) {
	parsed := runtimeOptions{typescript: true}
	if v, ok := options["typescript"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return parsed, fmt.Errorf("runtime option typescript must be a boolean, got %T", v)
		}
		parsed.typescript = b
	}
	if v, ok := options["tsconfig"]; ok {
		s, isString := v.(string)
		if !isString {
			return parsed, fmt.Errorf("runtime option tsconfig must be a string, got %T", v)
		}
		parsed.tsconfig = s
	}
	if v, ok := options["nodeargs"]; ok {
		s, isString := v.(string)
		if !isString {
			return parsed, fmt.Errorf("runtime option nodeargs must be a string, got %T", v)
		}
		parsed.nodeArgs = s
	}
	return parsed, nil
}

// environment is what @pulumi/pulumi's cmd/run reads from the environment to
// honour the options.
func (o runtimeOptions) environment() []string {
	var env []string
	if o.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if o.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfig)
	}
	return env
}
