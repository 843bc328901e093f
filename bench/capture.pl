#!/usr/bin/env perl
# bench/capture.pl DB SCRIPT VARS [LEAVE-OUT] < LOG-SLICE — from PostgreSQL's log (log_statement = all) of DB,
# writes the statements its sessions ran, in order, as a pgbench script (SCRIPT: each $n of a
# statement becomes :sK_n) and the values they were run with as pgbench options (VARS: one
# "-D sK_n=value" a line), and prints each statement as logged, one line each (newlines → spaces).
# The relay's background statements (claims, marks) are left out, and so are those matching the
# Perl regex LEAVE-OUT. bench/content.sh runs pgbench
# with exactly what the app sent, so a change of the app's SQL needs no change here.
use strict;
use warnings;
my ($db, $script, $vars, $leave_out) = @ARGV;
my (@stmts, %last, $cur);    # $cur: the message the next tab-continued line belongs to
while (my $line = <STDIN>) {
  chomp $line;
  if ($line =~ /^\t(.*)$/) { $$cur .= "\n$1" if $cur; next }
  $cur = undef;
  next unless $line =~ /\[(\d+)\] [^@ ]*\@(\S+) (LOG|DETAIL):  (.*)$/ && $2 eq $db;
  my ($pid, $kind, $msg) = ($1, $3, $4);
  if ($kind eq 'LOG' && $msg =~ /^(?:execute [^:]*|statement): (.*)$/) {
    my $s = { sql => $1, params => {} };
    push @stmts, $s;
    $last{$pid} = $s;
    $cur = \$s->{sql};
  } elsif ($kind eq 'DETAIL' && $msg =~ /^[Pp]arameters: (.*)$/ && $last{$pid}) {
    my ($p, $params) = ($1, $last{$pid}{params});
    while ($p =~ /\$(\d+) = (?:'((?:[^']|'')*)'|(NULL))/g) {
      die "capture.pl: a NULL parameter cannot be passed to pgbench\n" if defined $3;
      (my $v = $2) =~ s/''/'/g;
      $params->{$1} = $v;
    }
  }
}
open my $out, '>', $script or die "$script: $!\n";
open my $vout, '>', $vars or die "$vars: $!\n";
my $k = 0;
for my $s (@stmts) {
  next if $s->{sql} =~ /UPDATE sys_events s SET claimed_by|UPDATE "sys_events" SET "attempts"/;
  next if defined $leave_out && $leave_out ne '' && $s->{sql} =~ /$leave_out/;
  $k++;
  (my $one = $s->{sql}) =~ s/\s*\n\s*/ /g;
  print "$one\n";
  my $sql = $s->{sql};
  $sql =~ s/\$(\d+)/exists $s->{params}{$1} ? ":s${k}_$1" : die "capture.pl: no value for \$$1 in: $one\n"/ge;
  $sql =~ s/;?\s*$/;/;
  print $out "$sql\n";
  print $vout "-D\ns${k}_$_=$s->{params}{$_}\n" for sort { $a <=> $b } keys %{ $s->{params} };
}
