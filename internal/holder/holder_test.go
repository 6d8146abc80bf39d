package holder

import (
	"os"
	"os/exec"
	"testing"
)

func TestDead(t *testing.T) {
	me := Self()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		if me.Dead() {
			t.Fatal("without /proc a holder must never be taken for dead")
		}
		t.Skip("no /proc: only the lock's expiry applies on this system")
	}
	if me.Boot == "" || me.PIDNS == "" || me.Start == 0 || !me.IsSelf() || me.Dead() {
		t.Fatalf("Self() = %+v", me)
	}
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	start, ok := startTime(cmd.Process.Pid)
	if !ok {
		t.Fatal("cannot read the start time of a child")
	}
	child := me
	child.PID, child.Start = cmd.Process.Pid, start
	if child.Dead() || child.IsSelf() {
		t.Errorf("running child %+v taken for dead or self", child)
	}
	reused := child
	reused.Start++
	if !reused.Dead() {
		t.Errorf("a process id reused by another process must count as dead")
	}
	for name, h := range map[string]Holder{
		"other machine": {Host: "elsewhere", Boot: me.Boot, PIDNS: me.PIDNS, PID: child.PID, Start: start + 1},
		"other boot":    {Host: me.Host, Boot: "x", PIDNS: me.PIDNS, PID: child.PID, Start: start + 1},
		"other pid ns":  {Host: me.Host, Boot: me.Boot, PIDNS: "pid:[1]", PID: child.PID, Start: start + 1},
		"unknown":       {},
	} {
		if h.Dead() {
			t.Errorf("%s: %+v taken for dead", name, h)
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if !child.Dead() {
		t.Errorf("killed child %+v not taken for dead", child)
	}
}
