package main

import (
	"github.com/dagsorden/dagsorden/store"
)

func (e *env) openStore() (*store.Store, error) {
	dir := e.dataDir
	if dir == "" {
		dir = store.DefaultDir()
	}
	return store.Open(dir)
}
