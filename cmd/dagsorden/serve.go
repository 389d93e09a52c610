package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	dsync "github.com/dagsorden/dagsorden/sync"
	"github.com/dagsorden/dagsorden/sync/relay"
)

type serveOptions struct {
	addr, relayData string
	openGroups      bool
	proxies         []string
}

func newServeCmd(e *env) *cobra.Command {
	var o serveOptions
	c := &cobra.Command{
		Use:   "serve [FEED_DIR]",
		Short: "Serve a feed folder and/or the group relay.",
		Long: "Serve a feed folder and/or the group relay over HTTP. The relay keeps its own store in\n" +
			"--relay-data and stores only ciphertext; on its first start it prints an operator\n" +
			"token once: creating a group needs it unless --open-groups is given.",
		Example: `dagsorden serve feed/ --addr 127.0.0.1:8080
dagsorden serve --addr 0.0.0.0:8443 --relay-data relay/`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 || (len(args) == 0 && o.relayData == "") {
				return usageErr(c, "name a feed folder, give --relay-data, or both")
			}
			return nil
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		},
		RunE: func(_ *cobra.Command, args []string) error { return runServe(e, args, o) },
	}
	f := c.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen on HOST:PORT")
	f.StringVar(&o.relayData, "relay-data", "", "run the group relay with its store in DIR")
	f.BoolVar(&o.openGroups, "open-groups", false, "let anyone create a group (no operator token needed)")
	f.StringArrayVar(&o.proxies, "trusted-proxy", nil, "a reverse proxy's address or CIDR whose X-Forwarded-For names the client (repeatable)")
	_ = c.MarkFlagDirname("relay-data")
	return c
}

func runServe(e *env, args []string, o serveOptions) error {
	trusted, err := relay.ParseProxies(o.proxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxy: %w", err)
	}
	mux := http.NewServeMux()
	if len(args) == 1 {
		if fi, err := os.Stat(args[0]); err != nil || !fi.IsDir() {
			return fmt.Errorf("%s is not a folder", args[0])
		}
		mux = dsync.Handler(args[0])
	}
	if o.relayData != "" {
		logger := slog.New(slog.NewTextHandler(e.stderr, nil))
		r, err := relay.New(o.relayData, relay.Options{OpenGroups: o.openGroups, Logger: logger, TrustedProxies: trusted})
		if err != nil {
			return err
		}
		defer r.Close()
		if tok := r.OperatorToken(); tok != "" {
			fmt.Fprintf(e.stdout, "relay operator token (shown once; keep it safe):\n%s\n", tok)
		}
		mux.Handle(relay.Prefix+"/", r.Handler())
	}
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	ctx, stop := interruptible()
	defer stop()
	srv := relay.Server(o.addr, mux)
	fmt.Fprintf(e.stderr, "serving on http://%s (ctrl+c stops)\n", l.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}
