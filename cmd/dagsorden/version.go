package main

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// version is set when a release is built: go build -ldflags "-X main.version=v1.4.0".
var version string

// buildVersion is what --version prints after "dagsorden version ": the version set at
// link time, else the module version go install stamps (v1.4.0, or a pseudo-version
// from the commit), else "devel" (go build in a checkout, go run); then the commit the
// go command stamped, when it did (not with -buildvcs=false), and the Go it was built
// with. For `go run ./cmd/dagsorden --version`: "devel (go1.26.8)".
func buildVersion() string {
	return describeBuild(version, readBuildInfo())
}

func readBuildInfo() *debug.BuildInfo {
	if info, ok := debug.ReadBuildInfo(); ok {
		return info
	}
	return nil
}

func describeBuild(linked string, info *debug.BuildInfo) string {
	v := linked
	if v == "" && info != nil && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	if v == "" {
		v = "devel"
	}
	var extra []string
	if info != nil {
		var rev, when string
		var dirty bool
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" && !strings.Contains(v, rev[:min(12, len(rev))]) {
			c := "commit " + rev[:min(12, len(rev))]
			if dirty {
				c += "+changes"
			}
			if when != "" {
				c += " of " + when
			}
			extra = append(extra, c)
		}
	}
	goVersion := runtime.Version()
	if info != nil && info.GoVersion != "" {
		goVersion = info.GoVersion
	}
	extra = append(extra, goVersion)
	return v + " (" + strings.Join(extra, ", ") + ")"
}
