// Package holder names the process that holds a lock or lease, so that a
// lock left behind by a process that died (killed, out of memory, power
// cut) can be recognised at once by another process on the same machine,
// instead of blocking every later run until the lock expires.
//
// A Holder records the host name, the kernel's boot id, the PID namespace,
// the process id and the process's start time. Another process can tell
// that the holder is gone only when it runs on the same kernel in the same
// PID namespace (so the process id means the same process) and that
// process id is now free or belongs to a process started at another time
// (so a reused id is not mistaken for the holder). Everywhere else —
// another machine, another container, another Lambda sandbox, or a system
// without /proc — Dead reports false and the lock's own expiry decides.
package holder

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// Holder identifies a process. Fields that could not be read are empty.
type Holder struct {
	Host  string `json:"host,omitempty"`
	Boot  string `json:"boot,omitempty"`
	PIDNS string `json:"pidns,omitempty"`
	PID   int    `json:"pid,omitempty"`
	// Start is the process's start time in clock ticks since boot
	// (field 22 of /proc/<pid>/stat).
	Start uint64 `json:"start,omitempty"`
}

// procRoot is where the process table is read; tests point it elsewhere.
var procRoot = "/proc"

var self = func() Holder {
	h := Holder{PID: os.Getpid()}
	h.Host, _ = os.Hostname()
	if b, err := os.ReadFile(procRoot + "/sys/kernel/random/boot_id"); err == nil {
		h.Boot = strings.TrimSpace(string(b))
	}
	h.PIDNS, _ = os.Readlink(procRoot + "/self/ns/pid")
	h.Start, _ = startTime(h.PID)
	return h
}()

// Self returns the Holder of the running process.
func Self() Holder { return self }

// Of returns the Holder of another process of this machine, while it
// runs; ok is false when its start time cannot be read.
func Of(pid int) (h Holder, ok bool) {
	h = self
	h.PID = pid
	h.Start, ok = startTime(pid)
	return h, ok && self.Start != 0
}

// IsSelf reports whether h is the running process.
func (h Holder) IsSelf() bool { return h.local() && h.PID == self.PID && h.Start == self.Start }

// local reports whether process ids of h can be checked here: the same
// kernel (boot id) and PID namespace, all known.
func (h Holder) local() bool {
	return h.Boot != "" && h.PIDNS != "" && h.Start != 0 && h.PID > 0 &&
		h.Host == self.Host && h.Boot == self.Boot && h.PIDNS == self.PIDNS
}

// Dead reports whether h is certainly gone: it ran on this machine, in
// this PID namespace, and no process with its id and start time exists.
// It returns false whenever that cannot be known.
func (h Holder) Dead() bool {
	if !h.local() || h.IsSelf() {
		return false
	}
	start, ok := startTime(h.PID)
	if !ok {
		_, err := os.Stat(procRoot + "/" + strconv.Itoa(h.PID))
		return os.IsNotExist(err)
	}
	return start != h.Start
}

// String names the holder for messages: host, pid.
func (h Holder) String() string {
	if h.Host == "" && h.PID == 0 {
		return "an unknown process"
	}
	return h.Host + " pid " + strconv.Itoa(h.PID)
}

// startTime reads the start time of process pid from /proc.
func startTime(pid int) (uint64, bool) {
	b, err := os.ReadFile(procRoot + "/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name (field 2) is in parentheses and may hold spaces and
	// parentheses itself: count fields after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(f[19], 10, 64)
	return n, err == nil
}
