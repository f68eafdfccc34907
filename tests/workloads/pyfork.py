import multiprocessing as mp, threading, sys, mmap, os
def work(n):
    bufs = []
    for i in range(n):
        b = bytearray(256 * 1024 + i * 4096)
        for j in range(0, len(b), 4096): b[j] = 1
        bufs.append(b)
        if len(bufs) > 8: bufs.pop(0)
        m = mmap.mmap(-1, 1 << 20)
        for j in range(0, 1 << 20, 4096): m[j] = 2
        m.close()
    return n
def spin(k):
    l = []
    for i in range(200):
        l.append(bytearray(64 * 1024))
        if len(l) > 20: l.pop(0)
if __name__ == "__main__":
    mp.set_start_method("fork")
    ts = [threading.Thread(target=spin, args=(k,)) for k in range(4)]
    for t in ts: t.start()
    with mp.Pool(3) as p:
        print(sum(p.map(work, [40] * 6)), file=sys.stderr)
    for t in ts: t.join()
