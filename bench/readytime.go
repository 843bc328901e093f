//go:build ignore

// readytime is the timing helper of bench/run.sh. It is built on its own
// (go build -o X bench/readytime.go) and is not part of the module's packages.
//
//	readytime freeport
//	    print a TCP port on 127.0.0.1 that is free right now
//	readytime ready -url URL [-timeout D] [-log FILE] -- CMD ARGS...
//	    start CMD, poll URL until it answers 200, print the milliseconds from just before the
//	    process was started to that first 200, then stop CMD with SIGTERM (SIGKILL after 5 s)
//	readytime wait -url URL [-timeout D]
//	    poll URL until it answers 200 (for a server started by the script itself)
//
// Polling is a loop of GETs with a 200 µs pause, which resolves the ready time far better than a
// shell loop of curl processes (each costs several milliseconds to fork and exec).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

const pollPause = 200 * time.Microsecond

func main() {
	if len(os.Args) < 2 {
		fail("usage: readytime freeport | ready -url URL -- CMD... | wait -url URL")
	}
	switch os.Args[1] {
	case "freeport":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fail(err.Error())
		}
		fmt.Println(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
	case "ready":
		ready(os.Args[2:])
	case "wait":
		fs := flag.NewFlagSet("wait", flag.ExitOnError)
		url := fs.String("url", "", "URL to poll")
		timeout := fs.Duration("timeout", 15*time.Second, "give up after")
		fs.Parse(os.Args[2:])
		if err := poll(*url, time.Now().Add(*timeout), nil); err != nil {
			fail(err.Error())
		}
	default:
		fail("unknown command " + os.Args[1])
	}
}

func ready(args []string) {
	fs := flag.NewFlagSet("ready", flag.ExitOnError)
	url := fs.String("url", "", "URL to poll")
	timeout := fs.Duration("timeout", 15*time.Second, "give up after")
	logPath := fs.String("log", "", "file for the command's stdout and stderr (default: discarded)")
	fs.Parse(args)
	argv := fs.Args()
	if *url == "" || len(argv) == 0 {
		fail("ready: need -url and a command after --")
	}
	var out io.Writer = io.Discard
	if *logPath != "" {
		f, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fail(err.Error())
		}
		defer f.Close()
		out = f
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	// The child dies with this helper, however the helper ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)

	start := time.Now()
	if err := cmd.Start(); err != nil {
		fail(err.Error())
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	stopChild := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	go func() {
		<-sigs
		stopChild()
		os.Exit(130)
	}()

	err := poll(*url, start.Add(*timeout), exited)
	elapsed := time.Since(start)
	if err != nil {
		stopChild()
		fail(err.Error())
	}
	stopChild()
	fmt.Printf("%.1f\n", float64(elapsed.Microseconds())/1000)
}

// poll GETs url until it answers 200, the deadline passes, or exited (when not nil) delivers.
func poll(url string, deadline time.Time, exited <-chan error) error {
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
	}
	for time.Now().Before(deadline) {
		if exited != nil {
			select {
			case err := <-exited:
				return fmt.Errorf("the command exited before %s answered 200 (%v)", url, err)
			default:
			}
		}
		res, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		} else if !errors.Is(err, syscall.ECONNREFUSED) {
			// Anything but "nobody listens yet" is worth a short back-off, not a busy loop.
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(pollPause)
	}
	return fmt.Errorf("%s did not answer 200 before the deadline", url)
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "readytime:", msg)
	os.Exit(1)
}
