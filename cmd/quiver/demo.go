package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"go.uber.org/zap"

	"github.com/quiverdb/quiver/server"
)

func init() {
	commands["demo"] = command{
		summary: "start a local replication cluster (3 data instances: 1 MAIN, a SYNC and an ASYNC replica) and print its connection URIs",
		run:     runDemo,
	}
}

// demoOptions are the demo's ports and data directory. A port of 0 is any
// free port; otherwise instance i (from 0) takes the port plus i.
type demoOptions struct {
	dir         string
	boltPort    int    // instances 1..3: boltPort, +1, +2
	replPorts   [2]int // the replicas' replication ports (0: any free port)
	metricsPort int    // instances 1..3: metricsPort, +1, +2
}

// demoInstance is one data instance of the demo and how it was set up.
type demoInstance struct {
	name string
	s    *server.Server
	dir  string
	mode string // the replica's mode (SYNC or ASYNC); "" for MAIN
	repl string // the replica's replication address; "" for MAIN
	// anyPort: repl's port was picked free (--free-ports), so another
	// free one may replace it if something took it before the replica
	// listened on it.
	anyPort bool
	role    string // what SHOW REPLICATION ROLE answered
}

// demoCluster is the demo's running instances, MAIN first.
type demoCluster struct{ inst []*demoInstance }

// demoSetupTimeout bounds the wait for the replicas to report ready.
const demoSetupTimeout = 30 * time.Second

// runDemo starts what Quiver has of a cluster today: three data instances
// in this process, set up with Memgraph's replication queries as a MAIN
// with a SYNC and an ASYNC replica (the coordinators, and with them
// failover, do not exist yet). It prints how to reach each instance and
// serves until Ctrl-C, or stops at once with --check after printing.
func runDemo(args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var o demoOptions
	fs.StringVar(&o.dir, "data-directory", filepath.Join(os.TempDir(), "quiver-demo"), "data directory of the demo; each instance uses a subdirectory")
	fs.IntVar(&o.boltPort, "bolt-port", 7687, "Bolt port of instance 1; instances 2 and 3 take the next two (0 = any free ports)")
	replPort := fs.Int("replication-port", 10000, "replication port of instance 2; instance 3 takes the next (0 = any free ports)")
	fs.IntVar(&o.metricsPort, "metrics-port", 9091, "metrics and health port of instance 1; instances 2 and 3 take the next two (0 = any free ports)")
	free := fs.Bool("free-ports", false, "use any free ports for Bolt, replication and metrics (as --bolt-port 0 --replication-port 0 --metrics-port 0)")
	check := fs.Bool("check", false, "start and set up the cluster, print the URIs, then stop (used by tests)")
	if err := parseFlags(fs, args, "quiver demo [--bolt-port 7687] [--replication-port 10000] [--metrics-port 9091] [--free-ports] [--data-directory DIR]"); err != nil {
		return err
	}
	if *free {
		o.boltPort, *replPort, o.metricsPort = 0, 0, 0
	}
	o.replPorts = [2]int{demoOffset(*replPort, 0), demoOffset(*replPort, 1)}
	log, closeLog, err := server.NewLogger("WARNING", "")
	if err != nil {
		return err
	}
	defer closeLog()
	c, err := startDemo(o, log)
	if err != nil {
		return err
	}
	defer c.stop()
	c.print(os.Stdout, o.dir)
	if *check {
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	fmt.Println("Ctrl-C stops it.")
	<-ctx.Done()
	return nil
}

// startDemo starts the three instances and sets up replication: instance
// 2 becomes a SYNC replica, instance 3 an ASYNC one, both registered on
// instance 1, the MAIN (which needs no replication flag). Restarted on the
// same data directory, each instance restores its role and the setup only
// checks it. It returns once both replicas report ready.
func startDemo(o demoOptions, log *zap.Logger) (*demoCluster, error) {
	c := &demoCluster{}
	for i, mode := range []string{"", "SYNC", "ASYNC"} {
		in := &demoInstance{name: "instance_" + strconv.Itoa(i+1), mode: mode}
		in.dir = filepath.Join(o.dir, in.name)
		if mode != "" {
			p, err := demoPort(o.replPorts[i-1])
			if err != nil {
				return nil, err
			}
			in.repl = net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
			in.anyPort = o.replPorts[i-1] == 0
		}
		c.inst = append(c.inst, in)
	}
	// The replicas start first: a MAIN restored with registered replicas
	// becomes ready once its SYNC replica confirmed its recovered commits.
	for _, i := range []int{1, 2, 0} {
		in := c.inst[i]
		s, err := startDemoInstance(in.dir, demoOffset(o.boltPort, i), demoOffset(o.metricsPort, i), log.With(zap.String("instance", in.name)))
		if err != nil {
			c.stop()
			return nil, fmt.Errorf("%s: %w", in.name, err)
		}
		in.s = s
	}
	ctx, cancel := context.WithTimeout(context.Background(), demoSetupTimeout)
	defer cancel()
	if err := c.setUp(ctx); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

// demoOffset is base+i, or 0 (any free port) when base is 0.
func demoOffset(base, i int) int {
	if base == 0 {
		return 0
	}
	return base + i
}

// listen makes the instance a replica listening on its replication port.
// A port picked free can be taken by another process before the replica
// binds it; then it tries another free port, a few times.
func (r *demoInstance) listen(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		_, port, _ := net.SplitHostPort(r.repl)
		_, err := demoQuery(ctx, r.s, "SET REPLICATION ROLE TO REPLICA WITH PORT "+port)
		if err == nil {
			return nil
		}
		if !r.anyPort || attempt == 5 || !strings.Contains(err.Error(), "address already in use") {
			return fmt.Errorf("%s: SET REPLICATION ROLE TO REPLICA WITH PORT %s: %w (a demo restarted with other ports needs a fresh --data-directory)", r.name, port, err)
		}
		p, perr := demoPort(0)
		if perr != nil {
			return perr
		}
		r.repl = net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
	}
}

// demoPort is port, or when it is 0 a port free right now (WITH PORT
// needs a number).
func demoPort(port int) (int, error) {
	if port != 0 {
		return port, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free replication port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startDemoInstance starts one data instance on loopback, with no
// replication flag: its role comes from the queries (or its restored state).
func startDemoInstance(dir string, bolt, metrics int, log *zap.Logger) (*server.Server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo data directory: %w", err)
	}
	cfg, err := server.ParseConfig([]string{
		"--bolt-port", strconv.Itoa(bolt),
		"--metrics-port", strconv.Itoa(metrics),
		"--data-directory", dir,
		"--bolt-address", "127.0.0.1",
		"--metrics-address", "127.0.0.1",
		"--log-level", "WARNING",
	}, func(string) string { return "" }, os.Stderr)
	if err != nil {
		return nil, err
	}
	return server.Start(cfg, log)
}

// setUp runs the replication queries: SET REPLICATION ROLE TO REPLICA WITH
// PORT on each replica, then REGISTER REPLICA on MAIN for each one not
// registered yet at its address and mode, and waits until SHOW REPLICAS
// reports both ready. It records each instance's role as the instance
// answers it.
func (c *demoCluster) setUp(ctx context.Context) error {
	main := c.inst[0]
	for _, r := range c.inst[1:] {
		if err := r.listen(ctx); err != nil {
			return err
		}
	}
	have, err := demoReplicas(ctx, main.s)
	if err != nil {
		return err
	}
	for _, r := range c.inst[1:] {
		got, ok := have[r.name]
		if ok && got == (demoReplica{addr: r.repl, mode: r.mode}) {
			continue // restored from the data directory
		}
		if ok {
			if _, err := demoQuery(ctx, main.s, "DROP REPLICA "+r.name); err != nil {
				return fmt.Errorf("%s: DROP REPLICA %s: %w", main.name, r.name, err)
			}
		}
		q := fmt.Sprintf("REGISTER REPLICA %s %s TO %q", r.name, r.mode, r.repl)
		if _, err := demoQuery(ctx, main.s, q); err != nil {
			return fmt.Errorf("%s: %s: %w", main.name, q, err)
		}
	}
	if err := c.awaitReady(ctx); err != nil {
		return err
	}
	for _, in := range c.inst {
		recs, err := demoQuery(ctx, in.s, "SHOW REPLICATION ROLE")
		if err != nil || len(recs) != 1 {
			return fmt.Errorf("%s: SHOW REPLICATION ROLE: %v", in.name, err)
		}
		in.role = fmt.Sprint(recs[0].Values[0])
	}
	return nil
}

// demoReplica is one row of SHOW REPLICAS: address and mode.
type demoReplica struct{ addr, mode string }

// demoReplicas reads SHOW REPLICAS on s by name.
func demoReplicas(ctx context.Context, s *server.Server) (map[string]demoReplica, error) {
	recs, err := demoQuery(ctx, s, "SHOW REPLICAS")
	if err != nil {
		return nil, fmt.Errorf("SHOW REPLICAS: %w", err)
	}
	out := map[string]demoReplica{}
	for _, r := range recs {
		name, _ := r.Get("name")
		addr, _ := r.Get("socket_address")
		mode, _ := r.Get("sync_mode")
		out[fmt.Sprint(name)] = demoReplica{addr: fmt.Sprint(addr), mode: strings.ToUpper(fmt.Sprint(mode))}
	}
	return out, nil
}

// awaitReady polls SHOW REPLICAS on MAIN until every replica reports
// "ready" (caught up and following), or ctx ends.
func (c *demoCluster) awaitReady(ctx context.Context) error {
	var last []string
	for {
		recs, err := demoQuery(ctx, c.inst[0].s, "SHOW REPLICAS")
		if err != nil {
			return fmt.Errorf("SHOW REPLICAS: %w", err)
		}
		last = last[:0]
		for _, r := range recs {
			name, _ := r.Get("name")
			info, _ := r.Get("data_info")
			st := "?"
			if m, ok := info.(map[string]any)["memgraph"].(map[string]any); ok {
				st = fmt.Sprint(m["status"])
			}
			if st != "ready" {
				last = append(last, fmt.Sprintf("%v is %s", name, st))
			}
		}
		if len(recs) == len(c.inst)-1 && len(last) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the replicas did not become ready within %v: %v", demoSetupTimeout, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// demoQuery runs one auto-commit query on s over Bolt (replication
// statements are refused inside explicit transactions) and returns its
// records.
func demoQuery(ctx context.Context, s *server.Server, q string) ([]*neo4j.Record, error) {
	d, err := neo4j.NewDriverWithContext("bolt://"+s.BoltAddr(), neo4j.NoAuth())
	if err != nil {
		return nil, err
	}
	defer d.Close(ctx)
	sess := d.NewSession(ctx, neo4j.SessionConfig{})
	defer sess.Close(ctx)
	res, err := sess.Run(ctx, q, nil)
	if err != nil {
		return nil, err
	}
	recs, err := res.Collect(ctx)
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) {
		return nil, fmt.Errorf("%s", ne.Msg)
	}
	return recs, err
}

// print writes each instance's URI and role, and what to try.
func (c *demoCluster) print(w io.Writer, dir string) {
	fmt.Fprintf(w, "Quiver demo: 3 data instances replicating (community replication: 1 MAIN, a SYNC and an ASYNC replica).\n")
	fmt.Fprintf(w, "Coordinators and automatic failover are not built yet; they come with the coordinators issue.\n")
	for _, in := range c.inst {
		what := "takes writes"
		if in.mode != "" {
			what = fmt.Sprintf("%s replica, replication on %s", in.mode, in.repl)
		}
		fmt.Fprintf(w, "  %s  %-7s  bolt://%s  (%s)\n", in.name, strings.ToUpper(in.role), in.s.BoltAddr(), what)
		if m := in.s.MetricsAddr(); m != "" {
			fmt.Fprintf(w, "      metrics http://%s/metrics and /health, data %s\n", m, in.dir)
		}
	}
	fmt.Fprintf(w, "  data directory: %s\n", dir)
	mh, mp, _ := net.SplitHostPort(c.inst[0].s.BoltAddr())
	rh, rp, _ := net.SplitHostPort(c.inst[2].s.BoltAddr())
	fmt.Fprintf(w, "Write on MAIN, read on a replica:\n")
	fmt.Fprintf(w, "  bin/quiver console --host %s --port %s -e \"CREATE (:User {name: 'ann'});\"\n", mh, mp)
	fmt.Fprintf(w, "  bin/quiver console --host %s --port %s -e \"MATCH (u:User) RETURN u.name;\"\n", rh, rp)
	fmt.Fprintf(w, "See the replicas and their state:\n")
	fmt.Fprintf(w, "  bin/quiver console --host %s --port %s -e \"SHOW REPLICAS;\"\n", mh, mp)
}

// stop stops every instance that started, MAIN first.
func (c *demoCluster) stop() {
	for _, in := range c.inst {
		if in.s != nil {
			in.s.Stop()
		}
	}
}
