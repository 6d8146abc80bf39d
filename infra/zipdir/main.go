// Command zipdir zips a built Lambda function folder for upload:
//
//	go run ./infra/zipdir infra/.build/worker infra/.build/worker.zip
//
// infra/build.sh calls it for every function.
package main

import (
	"fmt"
	"os"

	"github.com/dele-opendata/dele/internal/lambdafn/fnzip"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: zipdir FOLDER OUT.zip")
		os.Exit(2)
	}
	f, err := os.Create(os.Args[2])
	if err == nil {
		err = fnzip.Dir(os.Args[1], f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		os.Remove(os.Args[2])
		fmt.Fprintln(os.Stderr, "zipdir:", err)
		os.Exit(1)
	}
}
