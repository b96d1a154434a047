package main
import ("testing";"github.com/tenantatlas/operations/pkg/database/dbtest")
func TestZZShow(t *testing.T){
	t.Setenv("DATABASE_URL", dbtest.New(t).URL)
	for _, a := range [][]string{{"users","create","--email","a@b.co","--name","A"},{"users","create","--email","A@b.co","--name","A"},{"users","create","--email","bad","--name","","--password-stdin"},{"users","create","--email","x@b.co","--name","x","--password-stdin"},{"tokens","create","--email","q@b.co"},{"tokens","create","--email","a@b.co","--ttl","x"},{"tokens","create","--email","a@b.co"}} {
		o,e,err := runCLIWithStdin(t, "pw\n", a...)
		t.Logf("%v\n out=%q\n err=%q\n => %v", a, o, e, err)
	}
}
