package runtime

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is weir's configuration (SPEC.md "Configuration"). Zero values
// mean the documented defaults; see Defaults.
type Config struct {
	State struct {
		Dir string `yaml:"dir"`
		Hot struct {
			MaxSizeMB int `yaml:"max_size_mb"`
		} `yaml:"hot"`
		Warm struct {
			CacheSizeMB int           `yaml:"cache_size_mb"`
			TTL         time.Duration `yaml:"ttl"`
		} `yaml:"warm"`
		Cold struct {
			PostgresURL string        `yaml:"postgres_url"`
			Retention   time.Duration `yaml:"retention"`
		} `yaml:"cold"`
	} `yaml:"state"`
	Checkpointing struct {
		Interval time.Duration `yaml:"interval"`
	} `yaml:"checkpointing"`
	Watermarks struct {
		IdleTimeout  time.Duration `yaml:"idle_timeout"`
		EmitInterval time.Duration `yaml:"emit_interval"`
	} `yaml:"watermarks"`
	Server struct {
		PGAddr   string `yaml:"pg_addr"`
		HTTPAddr string `yaml:"http_addr"`
		Auth     string `yaml:"auth"`
		Users    []struct {
			Name     string `yaml:"name"`
			Password string `yaml:"password"`
		} `yaml:"users"`
		TLS struct {
			CertFile string `yaml:"cert_file"`
			KeyFile  string `yaml:"key_file"`
		} `yaml:"tls"`
	} `yaml:"server"`
}

// Defaults returns the configuration used when no file is given.
func Defaults() Config {
	var c Config
	c.State.Dir = "./weir-data"
	c.State.Hot.MaxSizeMB = 512
	c.State.Warm.CacheSizeMB = 1024
	c.State.Warm.TTL = 168 * time.Hour
	c.State.Cold.Retention = 2160 * time.Hour
	c.Checkpointing.Interval = 60 * time.Second
	c.Watermarks.IdleTimeout = 300 * time.Second
	c.Watermarks.EmitInterval = time.Second
	c.Server.PGAddr = "127.0.0.1:6566"
	c.Server.HTTPAddr = "127.0.0.1:8566"
	c.Server.Auth = "trust"
	return c
}

// LoadConfig reads a YAML file over the defaults. Unknown keys are errors
// that name the key.
func LoadConfig(path string) (Config, error) {
	c := Defaults()
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && err.Error() != "EOF" {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	if c.Server.Auth != "trust" && c.Server.Auth != "scram" {
		return c, fmt.Errorf("config %s: server.auth must be trust or scram, got %q", path, c.Server.Auth)
	}
	return c, nil
}
