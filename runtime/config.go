package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/weirdb/weir/sql/pgwire"
	"github.com/weirdb/weir/storage"
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
			// CacheSizeMB is Pebble's memory; 0 (the default) means
			// automatic (see WarmCacheMB).
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
		// MaxMessageSize bounds a client message of the Postgres wire
		// protocol, in bytes (MinMaxMessageSize to MaxMaxMessageSize).
		MaxMessageSize int `yaml:"max_message_size" expect:"a number of bytes such as 16777216 (16 MiB)"`
		// IdleTimeout closes a wire session that sends nothing for this
		// long (FATAL 57P05); 0 disables it.
		IdleTimeout time.Duration `yaml:"idle_timeout"`
		// MaxConnections bounds the wire sessions served at once (at
		// least 1); the one over it gets FATAL 53300.
		MaxConnections int `yaml:"max_connections"`
	} `yaml:"server"`
}

// Bounds of server.max_message_size: below 1 KiB ordinary statements no
// longer fit; 1 GiB is PostgreSQL's own limit on a message.
const (
	MinMaxMessageSize = 1 << 10
	MaxMaxMessageSize = 1 << 30
)

// Defaults returns the configuration used when no file is given.
func Defaults() Config {
	var c Config
	c.State.Dir = "./weir-data"
	c.State.Hot.MaxSizeMB = 512
	c.State.Warm.TTL = 168 * time.Hour
	c.State.Cold.Retention = 2160 * time.Hour
	c.Checkpointing.Interval = 60 * time.Second
	c.Watermarks.IdleTimeout = 300 * time.Second
	c.Watermarks.EmitInterval = time.Second
	c.Server.PGAddr = "127.0.0.1:6566"
	c.Server.HTTPAddr = "127.0.0.1:8566"
	c.Server.Auth = "trust"
	c.Server.MaxMessageSize = pgwire.DefaultMaxMessageSize
	c.Server.IdleTimeout = pgwire.DefaultIdleTimeout
	c.Server.MaxConnections = pgwire.DefaultMaxConnections
	return c
}

// WarmCacheMB is the memory Pebble may hold (state.warm.cache_size_mb):
// as configured, or, when unset, the hot budget clamped to 8–1024 MB
// (1024 without a hot budget). Pebble's block cache keeps what the warm
// tier reads back in memory, so a fixed large default would undo a small
// hot budget: with state.hot.max_size_mb = 16, spilled state would still
// come to occupy up to a gigabyte of block cache.
func (c Config) WarmCacheMB() int {
	if c.State.Warm.CacheSizeMB > 0 {
		return c.State.Warm.CacheSizeMB
	}
	if c.State.Hot.MaxSizeMB <= 0 {
		return 1024
	}
	return min(max(c.State.Hot.MaxSizeMB, 8), 1024)
}

// StorageOptions are the options of the Store of c's state directory.
func (c Config) StorageOptions() storage.Options {
	return storage.Options{CacheSizeMB: c.WarmCacheMB(), WarmTTL: c.State.Warm.TTL}
}

// WireConfig is the Postgres wire server's configuration from c.Server
// (weir serve's). An idle_timeout of 0 (disabled) is pgwire's negative
// IdleTimeout.
func (c Config) WireConfig() pgwire.Config {
	w := pgwire.Config{
		Auth:           c.Server.Auth,
		TLSCertFile:    c.Server.TLS.CertFile,
		TLSKeyFile:     c.Server.TLS.KeyFile,
		TLSRequired:    c.Server.TLS.Required,
		MaxMessageSize: c.Server.MaxMessageSize,
		IdleTimeout:    c.Server.IdleTimeout,
		MaxConnections: c.Server.MaxConnections,
	}
	if w.IdleTimeout == 0 {
		w.IdleTimeout = -1
	}
	for _, u := range c.Server.Users {
		w.Users = append(w.Users, pgwire.User{Name: u.Name, Password: u.Password})
	}
	return w
}

// validate checks the values a YAML type cannot: ranges and enumerations.
// Errors name the key and, for a value set in the file, echo it as
// written with its line (src).
func (c Config) validate(src configSource) error {
	s := c.Server
	switch {
	case s.Auth != "trust" && s.Auth != "scram":
		return src.errorf("server.auth", strconv.Quote(s.Auth), "must be trust or scram")
	case s.MaxMessageSize < MinMaxMessageSize || s.MaxMessageSize > MaxMaxMessageSize:
		return src.errorf("server.max_message_size", strconv.Itoa(s.MaxMessageSize), "must be a number of bytes from %d to %d", MinMaxMessageSize, MaxMaxMessageSize)
	case s.IdleTimeout < 0:
		return src.errorf("server.idle_timeout", s.IdleTimeout.String(), "must not be negative (0 disables it)")
	case s.MaxConnections < 1:
		return src.errorf("server.max_connections", strconv.Itoa(s.MaxConnections), "must be at least 1")
	case c.State.Hot.MaxSizeMB < 0:
		return src.errorf("state.hot.max_size_mb", strconv.Itoa(c.State.Hot.MaxSizeMB), "must not be negative (0: no budget, all window state in memory)")
	case c.State.Warm.CacheSizeMB < 0:
		return src.errorf("state.warm.cache_size_mb", strconv.Itoa(c.State.Warm.CacheSizeMB), "must not be negative (0 or unset: automatic)")
	case c.State.Warm.TTL < 0:
		return src.errorf("state.warm.ttl", c.State.Warm.TTL.String(), "must not be negative (0: spilled state never expires)")
	case c.State.Cold.Retention <= 0:
		return src.errorf("state.cold.retention", c.State.Cold.Retention.String(), "must be positive, such as 2160h")
	case c.Checkpointing.Interval <= 0:
		return src.errorf("checkpointing.interval", c.Checkpointing.Interval.String(), "must be positive, such as 60s")
	case c.Watermarks.IdleTimeout < 0:
		return src.errorf("watermarks.idle_timeout", c.Watermarks.IdleTimeout.String(), "must not be negative (0: partitions are never idle)")
	case c.Watermarks.EmitInterval <= 0:
		return src.errorf("watermarks.emit_interval", c.Watermarks.EmitInterval.String(), "must be positive, such as 1s")
	}
	return nil
}

// configSource is where a configuration file set its values: the scalar
// node of each dotted key (server.max_connections), as badValue found them.
type configSource map[string]*yaml.Node

// errorf is the error for key's value: "KEY MSG, got VALUE (line N)", the
// value as the file wrote it (strings quoted) and its line, or value and
// no line when the file did not set the key.
func (src configSource) errorf(key, value, format string, args ...any) error {
	msg := key + " " + fmt.Sprintf(format, args...)
	n, ok := src[key]
	if !ok {
		return fmt.Errorf("%s, got %s", msg, value)
	}
	got := n.Value
	if n.ShortTag() == "!!str" && strings.HasPrefix(value, `"`) {
		got = strconv.Quote(n.Value)
	}
	return fmt.Errorf("%s, got %s (line %d)", msg, got, n.Line)
}

// CheckCheckpointInterval refuses a checkpoint interval that is zero or
// negative, which would take no checkpoint at all; name is the key or flag
// that set it (checkpointing.interval, --checkpoint-interval).
func CheckCheckpointInterval(name string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s must be positive, such as 60s, got %s", name, d)
	}
	return nil
}

// LoadConfig reads a YAML file over the defaults. Unknown keys are errors
// that name the key; every error names the file and, where it can, the
// line, in weir's words rather than the YAML library's.
func LoadConfig(path string) (Config, error) {
	c := Defaults()
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return c, yamlError(path, err)
	}
	if key, line, ok := unknownKey(&doc, reflect.TypeOf(c), ""); ok {
		return c, fmt.Errorf("config %s: unknown key %q (line %d)", path, key, line)
	}
	src := configSource{}
	if err := badValue(&doc, reflect.TypeOf(c), "", "", src); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return c, yamlError(path, err)
	}
	if err := c.validate(src); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// yamlError rewords an error of the YAML library: "yaml: line 3: found
// character that cannot start any token" becomes "config FILE: line 3:
// found character that cannot start any token", and its "unmarshal
// errors:" list (a duplicated key) the first of them.
func yamlError(path string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return fmt.Errorf("config %s: %s", path, strings.TrimSpace(te.Errors[0]))
	}
	return fmt.Errorf("config %s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
}

// badValue finds the first value of n that does not decode into its
// field's type (a word where a number or a duration belongs) and names it
// by its dotted key, which yaml.v3's own errors do not. n has no unknown
// keys (unknownKey ran first). A field's `expect` tag, when set, describes
// its values in the error instead of its type.
//
// It records in src the scalar node of every key it checked.
func badValue(n *yaml.Node, t reflect.Type, path, expect string, src configSource) error {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.DocumentNode:
		for _, c := range n.Content {
			if err := badValue(c, t, path, expect, src); err != nil {
				return err
			}
		}
		return nil
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" && k.Tag == "!!merge" {
				if err := badValue(v, t, path, "", src); err != nil {
					return err
				}
				continue
			}
			f, found := yamlField(t, k.Value)
			if !found {
				continue
			}
			full := k.Value
			if path != "" {
				full = path + "." + k.Value
			}
			if err := badValue(v, f.Type, full, f.Tag.Get("expect"), src); err != nil {
				return err
			}
		}
		return nil
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			if err := badValue(c, t.Elem(), path+"["+strconv.Itoa(i)+"]", "", src); err != nil {
				return err
			}
		}
		return nil
	}
	err := n.Decode(reflect.New(t).Interface())
	if err == nil && isInteger(t) && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" {
		// yaml.v3 truncates 1.5 into an int field; refuse it instead.
		err = errors.New("not an integer")
	}
	if err != nil {
		got := strconv.Quote(n.Value)
		if n.Kind != yaml.ScalarNode {
			got = "a " + map[yaml.Kind]string{yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}[n.Kind]
		}
		if expect == "" {
			expect = expectedValue(t)
		}
		return fmt.Errorf("%s must be %s, got %s (line %d)", path, expect, got, n.Line)
	}
	if n.Kind == yaml.ScalarNode {
		src[path] = n
	}
	return nil
}

// isInteger reports whether t is an integer kind.
func isInteger(t reflect.Type) bool {
	return t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64
}

// expectedValue describes the YAML values of type t.
func expectedValue(t reflect.Type) string {
	switch {
	case t == reflect.TypeOf(time.Duration(0)):
		return "a duration such as 30s, 5m or 1h"
	case isInteger(t):
		return "an integer"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Struct:
		return "a mapping"
	case t.Kind() == reflect.Slice:
		return "a list"
	}
	return "a " + t.String()
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
