package runtime

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
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
			// Required refuses clients that do not negotiate TLS.
			Required bool `yaml:"required"`
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
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	if key, line, ok := unknownKey(&doc, reflect.TypeOf(c), ""); ok {
		return c, fmt.Errorf("config %s: unknown key %q (line %d)", path, key, line)
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

// unknownKey finds the first mapping key of n that names no field of t (by
// its yaml tag), depth first in document order; key is its dotted path
// (state.hot.bogus, server.users[0].nmae) and line its line in the file.
func unknownKey(n *yaml.Node, t reflect.Type, path string) (key string, line int, ok bool) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if key, line, ok := unknownKey(c, t, path); ok {
				return key, line, true
			}
		}
	case yaml.MappingNode:
		switch t.Kind() {
		case reflect.Struct:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Value == "<<" && k.Tag == "!!merge" {
					if key, line, ok := unknownKey(v, t, path); ok {
						return key, line, true
					}
					continue
				}
				full := k.Value
				if path != "" {
					full = path + "." + k.Value
				}
				f, found := yamlField(t, k.Value)
				if !found {
					return full, k.Line, true
				}
				if key, line, ok := unknownKey(v, f.Type, full); ok {
					return key, line, true
				}
			}
		case reflect.Map:
			for i := 0; i+1 < len(n.Content); i += 2 {
				full := n.Content[i].Value
				if path != "" {
					full = path + "." + full
				}
				if key, line, ok := unknownKey(n.Content[i+1], t.Elem(), full); ok {
					return key, line, true
				}
			}
		}
	case yaml.SequenceNode:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, c := range n.Content {
				if key, line, ok := unknownKey(c, t.Elem(), path+"["+strconv.Itoa(i)+"]"); ok {
					return key, line, true
				}
			}
		}
	}
	return "", 0, false
}

// yamlField returns the field of struct type t that yaml.v3 decodes key
// into: the one whose yaml tag names key, or, untagged, whose lower-cased
// name is key.
func yamlField(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		if name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
