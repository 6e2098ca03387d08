// The consumer's resolved tree (mvn dependency:tree): one version of each Jackson artifact, and one
// Jackson release for all of them (jackson-annotations is versioned by major.minor only).
def tree = new File(basedir, 'dependency-tree.txt')
assert tree.isFile() : "no dependency tree at ${tree}"
def versions = [:].withDefault { [] as Set }
tree.eachLine { line ->
    def m = line =~ /(com\.fasterxml\.jackson\.[\w.]+):([\w.-]+):jar:([\w.-]+):(compile|runtime)/
    if (m.find()) {
        versions["${m.group(1)}:${m.group(2)}"] << m.group(3)
    }
}
println "consumer's Jackson artifacts: ${versions}"
assert versions.containsKey('com.fasterxml.jackson.core:jackson-core') : "no jackson-core in ${tree}"
versions.each { artifact, vs -> assert vs.size() == 1 : "${artifact} resolves to ${vs}" }
def releases = versions.values().collect { vs -> vs.first().tokenize('.').take(2).join('.') } as Set
assert releases.size() == 1 : "Jackson artifacts of several releases: ${versions}"
return true
