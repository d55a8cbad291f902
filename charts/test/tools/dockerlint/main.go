// Command dockerlint lints Dockerfiles with BuildKit's own linter, the rules `docker build
// --check` applies (casing, JSON-form CMD/ENTRYPOINT, secrets in ARG/ENV, undefined variables,
// deprecated instructions, unreachable or duplicate stages, ...), without a Docker engine: base
// images are never pulled, an offline resolver answers with a minimal image config.
//
// Usage: dockerlint <Dockerfile>... Output: one line per warning ("<file>:<line>: <Rule>:
// <detail>"); exit 1 when there is any warning or the Dockerfile does not parse.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	digest "github.com/opencontainers/go-digest"
)

// offlineResolver stands in for the registry: lint needs an image config, not an image.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	cfg, err := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"config":       map[string]any{"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
	})
	return ref, digest.FromBytes(cfg), cfg, err
}

func lint(ctx context.Context, path string) (int, error) {
	dt, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	src := llb.Local("dockerfile")
	sourceMap := llb.NewSourceMap(&src, path, "Dockerfile", dt)
	if sourceMap.Definition, err = src.Marshal(ctx); err != nil {
		return 0, err
	}
	res, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{
		MetaResolver: offlineResolver{},
		SourceMap:    sourceMap,
	})
	if err != nil {
		return 0, err
	}
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].Start.Line)
		}
		fmt.Printf("%s:%d: %s: %s\n", path, line, w.RuleName, w.Detail)
	}
	if res.Error != nil {
		fmt.Printf("%s: error: %s\n", path, res.Error.Message)
		return len(res.Warnings) + 1, nil
	}
	return len(res.Warnings), nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dockerlint <Dockerfile>...")
		os.Exit(2)
	}
	problems := 0
	for _, path := range os.Args[1:] {
		n, err := lint(context.Background(), path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "dockerlint: %s: %v\n", path, err)
			os.Exit(2)
		}
		problems += n
	}
	if problems > 0 {
		os.Exit(1)
	}
	fmt.Printf("%d Dockerfile(s): no warnings\n", len(os.Args)-1)
}
