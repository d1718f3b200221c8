package main

import (
	"github.com/pfx-tui/pfx-tui/internal/cfapi"
	"github.com/pfx-tui/pfx-tui/internal/config"
)

// cfSettings are the resolved settings of a Cloudflare command.
type cfSettings struct {
	cfg     config.Config
	vars    map[string]string // .dev.vars; nil when the file does not exist
	varsErr error
	lookup  func(name string) string
}

// loadCloudflare resolves defaults < .dev.vars < environment; a .dev.vars
// that cannot be read is kept as varsErr for doctor to report.
func loadCloudflare(ios IOStreams, devVars string) cfSettings {
	s := cfSettings{cfg: config.Defaults()}
	vars, err := config.LoadDevVars(devVars)
	if err != nil {
		s.varsErr = err
		vars = map[string]string{}
	} else if fileExists(devVars) {
		s.vars = vars
	}
	s.cfg.Layer(vars)
	s.cfg.Layer(ios.Env)
	s.lookup = func(name string) string {
		if v := ios.Env[name]; v != "" {
			return v
		}
		return vars[name]
	}
	return s
}

func (s cfSettings) token() config.Secret { return config.NewSecret(s.lookup(cfapi.EnvAPIToken)) }

func (s cfSettings) apiBaseURL() string { return s.lookup(cfapi.EnvBaseURL) }
