package main

import (
	"fmt"
	"os"

	"github.com/dagsorden/dagsorden/store/keys"
)

func cmdPassphrase(e *env, args []string) error {
	fs := newFlags(e, "passphrase", "",
		"Set or change the passphrase of the store: with it the store opens on any machine (a\n"+
			"copy on a USB stick, a new laptop), also where its key is not in the keyring.\n"+
			"Scripts give the new passphrase in "+envNewPassphrase+".")
	pos, err := parseInterspersed(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(e, fs, "unexpected argument %q", pos[0])
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	p := os.Getenv(envNewPassphrase)
	if p == "" {
		if e.terminal() == nil {
			return fmt.Errorf("give the new passphrase at a terminal, or in %s", envNewPassphrase)
		}
		if p, err = e.askNew("New passphrase: "); err != nil {
			return err
		}
	}
	had := st.KeyInfo().HasPassphrase
	if err := st.SetPassphrase(p); err != nil {
		return err
	}
	if had {
		fmt.Fprintf(e.stdout, "The passphrase of the store in %s is changed.\n", st.Dir())
	} else {
		fmt.Fprintf(e.stdout, "The store in %s now opens with its passphrase on any machine. Keep the passphrase safe: where the key is not in the keyring, nothing else opens the store.\n", st.Dir())
	}
	return nil
}

func cmdKey(e *env, args []string) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(e.stdout, `Usage:
  dagsorden key status     where the store's key is kept
  dagsorden key remember   put the key into this machine's keyring (no passphrase asked here again)
  dagsorden key forget     take the key out of this machine's keyring (the passphrase opens the store)

The store is encrypted with a key of its own. It is kept in the OS keyring where there is
one, and/or wrapped with a passphrase in the store (dagsorden passphrase).
`)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "status", "remember", "forget":
	default:
		fmt.Fprintf(e.stderr, "dagsorden key: unknown subcommand %q (status, remember or forget)\n", args[0])
		return errUsage
	}
	fs := newFlags(e, "key "+args[0], "", "")
	pos, err := parseInterspersed(e, fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(e, fs, "unexpected argument %q", pos[0])
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	switch args[0] {
	case "remember":
		if err := st.RememberKey(); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "The store's key is in this machine's keyring: the passphrase is not asked here again.")
		return nil
	case "forget":
		if err := st.ForgetKey(); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "The store's key is no longer on this machine: its passphrase opens the store.")
		return nil
	}
	info := st.KeyInfo()
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	fmt.Fprintf(e.stdout, "store:                     %s\n", st.Dir())
	fmt.Fprintf(e.stdout, "key id:                    %s\n", info.KeyID)
	fmt.Fprintf(e.stdout, "in this machine's keyring: %s\n", yes(info.InKeyring))
	fmt.Fprintf(e.stdout, "cached for this session:   %s\n", yes(info.InSession))
	fmt.Fprintf(e.stdout, "passphrase set:            %s\n", yes(info.HasPassphrase))
	return nil
}

func cmdLock(e *env, args []string) error {
	fs := newFlags(e, "lock", "", "Forget the store keys unlocked with a passphrase for this login session: the next\ncommand asks for the passphrase again (a key in the OS keyring stays there).")
	pos, err := parseInterspersed(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(e, fs, "unexpected argument %q", pos[0])
	}
	s, ok := keys.SessionCache()
	if !ok {
		fmt.Fprintln(e.stdout, "This session keeps no keys (no XDG_RUNTIME_DIR): there is nothing to forget.")
		return nil
	}
	n, err := s.Clear()
	if err != nil {
		return fmt.Errorf("cannot forget the session's keys: %w", err)
	}
	fmt.Fprintf(e.stdout, "Forgot %s of this session.\n", plural(n, "key", "keys"))
	return nil
}

func cmdRestore(e *env, args []string) error {
	fs := newFlags(e, "restore", "BACKUP",
		"Bring the store back as a backup holds it: the dagsorden.db.backup-… file an upgrade\n"+
			"made beside the store. The store as it is now is kept beside it first.")
	path, err := oneArg(e, fs, args, "name the backup file to restore")
	if err != nil {
		return err
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	kept, err := st.RestoreBackup(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "The store in %s is restored from %s. The store it replaced is kept as %s.\n", st.Dir(), path, kept)
	return nil
}
