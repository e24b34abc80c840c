// The particle function (www/josa.js) on a table of the values the page fills in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finalSound, josa, pairOf, pickParticle, PAIRS } from '../../www/josa.js';

// [word, how it is read, its ending]
const TABLE = [
  // Sino-Korean numbers: broker ids 1–10, 100, and larger units.
  ['1', '일', 'rieul'],
  ['2', '이', 'vowel'],
  ['3', '삼', 'consonant'],
  ['4', '사', 'vowel'],
  ['5', '오', 'vowel'],
  ['6', '육', 'consonant'],
  ['7', '칠', 'rieul'],
  ['8', '팔', 'rieul'],
  ['9', '구', 'vowel'],
  ['10', '십', 'consonant'],
  ['11', '십일', 'rieul'],
  ['12', '십이', 'vowel'],
  ['20', '이십', 'consonant'],
  ['100', '백', 'consonant'],
  ['101', '백일', 'rieul'],
  ['102', '백이', 'vowel'],
  ['1000', '천', 'consonant'],
  ['1,000', '천', 'consonant'],
  ['10000', '만', 'consonant'],
  ['30000', '삼만', 'consonant'],
  ['100000000', '억', 'consonant'],
  ['1000000000000', '조', 'vowel'],
  ['0', '영', 'consonant'],
  ['00', '영', 'consonant'],
  ['05', '오', 'vowel'],
  ['0.5', '영점오', 'vowel'],
  // Broker names as the page writes them.
  ['브로커 1', '브로커 일', 'rieul'],
  ['브로커 2', '브로커 이', 'vowel'],
  ['브로커 3', '브로커 삼', 'consonant'],
  ['브로커 9', '브로커 구', 'vowel'],
  ['브로커 10', '브로커 십', 'consonant'],
  ['브로커 100', '브로커 백', 'consonant'],
  // Names ending in digits.
  ['producer-1', '프로듀서 일', 'rieul'],
  ['producer-2', '프로듀서 이', 'vowel'],
  ['p1', '피일', 'rieul'],
  ['c3', '씨삼', 'consonant'],
  ['app-v2', '앱 브이 이', 'vowel'],
  ['orders-0', '오더스 영', 'consonant'],
  ['orders-1', '오더스 일', 'rieul'],
  ['orders-2', '오더스 이', 'vowel'],
  ['__consumer_offsets-10', '… 십', 'consonant'],
  ['/brokers/ids/3', '… 삼', 'consonant'],
  // Latin names.
  ['orders', '오더스', 'vowel'],
  ['users', '유저스', 'vowel'],
  ['payments', '페이먼츠', 'vowel'],
  ['events', '이벤츠', 'vowel'],
  ['kafka', '카프카', 'vowel'],
  ['topic', '토픽', 'consonant'],
  ['topic-a', '토픽 에이', 'vowel'],
  ['topic-b', '토픽 비', 'vowel'],
  ['topic-l', '토픽 엘', 'rieul'],
  ['topic-r', '토픽 알', 'rieul'],
  ['topic-m', '토픽 엠', 'consonant'],
  ['topic-n', '토픽 엔', 'consonant'],
  ['x', '엑스', 'vowel'],
  ['billing', '빌링', 'consonant'],
  ['reports', '리포츠', 'vowel'],
  ['totals', '토털스', 'vowel'],
  ['old-app', '올드 앱', 'consonant'],
  ['group', '그룹', 'consonant'],
  ['acks-all', '액스 올', 'rieul'],
  ['int-producer', '인트 프로듀서', 'vowel'],
  ['text-consumer', '텍스트 컨슈머', 'vowel'],
  ['orders-value', '오더스 밸류', 'vowel'],
  ['User', '유저', 'vowel'],
  ['email', '이메일', 'rieul'],
  ['name', '네임', 'consonant'],
  ['stream', '스트림', 'consonant'],
  ['json', '제이슨', 'consonant'],
  ['client', '클라이언트', 'vowel'],
  ['commit', '커밋', 'consonant'],
  ['timeout', '타임아웃', 'consonant'],
  ['root', '루트', 'vowel'],
  ['lock', '락', 'consonant'],
  ['disk', '디스크', 'vowel'],
  ['type', '타입', 'consonant'],
  ['job', '잡', 'consonant'],
  ['hub', '허브', 'vowel'],
  ['sync', '싱크', 'vowel'],
  ['log', '로그', 'vowel'],
  ['schema', '스키마', 'vowel'],
  ['table', '테이블', 'rieul'],
  ['file', '파일', 'rieul'],
  ['url', '유알엘', 'rieul'],
  ['ZooKeeper', '주키퍼', 'vowel'],
  ['kafkascope.png', '… 피엔지', 'vowel'],
  ['kafkascope.svg', '… 에스브이지', 'vowel'],
  ['kafkascope-trace.jsonl', '… 제이슨엘', 'rieul'],
  ['scenario.json', '… 제이슨', 'consonant'],
  ['StringDeserializer', '스트링 디시리얼라이저', 'vowel'],
  ['KafkaAvroDeserializer', '… 디시리얼라이저', 'vowel'],
  // Kafka's capitalised names.
  ['ISR', '아이에스알', 'rieul'],
  ['LEO', '엘이오', 'vowel'],
  ['HW', '에이치더블유', 'vowel'],
  ['FULL', '풀', 'rieul'],
  ['NONE', '논', 'consonant'],
  ['BACKWARD', '백워드', 'vowel'],
  ['FORWARD_TRANSITIVE', '포워드 트랜지티브', 'vowel'],
  ['NOT_ENOUGH_REPLICAS', '… 레플리카스', 'vowel'],
  ['REQUEST_TIMED_OUT', '… 아웃', 'consonant'],
  ['UNKNOWN_TOPIC_OR_PARTITION', '… 파티션', 'consonant'],
  ['UNKNOWN_MEMBER_ID', '… 아이디', 'vowel'],
  ['COORDINATOR_NOT_AVAILABLE', '… 어베일러블', 'rieul'],
  // Hangul with and without a final consonant; ㄹ-final.
  ['주키퍼', '', 'vowel'],
  ['스키마 레지스트리', '', 'vowel'],
  ['하트비트', '', 'vowel'],
  ['Metadata 요청', '', 'consonant'],
  ['컨트롤러', '', 'vowel'],
  ['레코드', '', 'vowel'],
  ['토픽', '', 'consonant'],
  ['세션', '', 'consonant'],
  ['파일', '', 'rieul'],
  ['하루', '', 'vowel'],
  ['서울', '', 'rieul'],
  ['ㄹ', '리을', 'rieul'],
  ['ㄱ', '기역', 'consonant'],
  // Punctuation and brackets are skipped to the last readable character.
  ['[1, 3]', '삼', 'consonant'],
  ['[1, 2]', '이', 'vowel'],
  ['[orders-0, orders-1]', '일', 'rieul'],
  ['[]', '', 'vowel'],
  ['(없음)', '없음', 'consonant'],
  ['[1, (없음)]', '없음', 'consonant'],
  ['“hello”', '헬로', 'vowel'],
  ['orders.', '오더스', 'vowel'],
  ['3)', '삼', 'consonant'],
  // A gloss stuck to a word: the particle follows the word.
  ['Stable(안정)', '스테이블', 'rieul'],
  ['커밋(commit)', '커밋', 'consonant'],
  ['리더(leader)', '리더', 'vowel'],
];

test('finalSound reads each value as Korean reads it aloud', () => {
  for (const [word, reading, fin] of TABLE) assert.equal(finalSound(word), fin, `${word} (${reading})`);
});

test('particles: 이/가, 을/를, 은/는, 과/와, 으로/로 after each kind of ending', () => {
  const cases = [
    ['브로커 1', '브로커 1이', '브로커 1을', '브로커 1은', '브로커 1과', '브로커 1로'],
    ['브로커 2', '브로커 2가', '브로커 2를', '브로커 2는', '브로커 2와', '브로커 2로'],
    ['브로커 3', '브로커 3이', '브로커 3을', '브로커 3은', '브로커 3과', '브로커 3으로'],
    ['브로커 6', '브로커 6이', '브로커 6을', '브로커 6은', '브로커 6과', '브로커 6으로'],
    ['브로커 7', '브로커 7이', '브로커 7을', '브로커 7은', '브로커 7과', '브로커 7로'],
    ['브로커 8', '브로커 8이', '브로커 8을', '브로커 8은', '브로커 8과', '브로커 8로'],
    ['브로커 10', '브로커 10이', '브로커 10을', '브로커 10은', '브로커 10과', '브로커 10으로'],
    ['브로커 100', '브로커 100이', '브로커 100을', '브로커 100은', '브로커 100과', '브로커 100으로'],
    ['producer-1', 'producer-1이', 'producer-1을', 'producer-1은', 'producer-1과', 'producer-1로'],
    ['orders', 'orders가', 'orders를', 'orders는', 'orders와', 'orders로'],
    ['orders-0', 'orders-0이', 'orders-0을', 'orders-0은', 'orders-0과', 'orders-0으로'],
    ['topic-a', 'topic-a가', 'topic-a를', 'topic-a는', 'topic-a와', 'topic-a로'],
    ['주키퍼', '주키퍼가', '주키퍼를', '주키퍼는', '주키퍼와', '주키퍼로'],
    ['토픽', '토픽이', '토픽을', '토픽은', '토픽과', '토픽으로'],
    ['파일', '파일이', '파일을', '파일은', '파일과', '파일로'],
  ];
  for (const [w, i, eul, eun, gwa, ro] of cases) {
    assert.equal(josa(w, '이', '가'), i);
    assert.equal(josa(w, '을', '를'), eul);
    assert.equal(josa(w, '은', '는'), eun);
    assert.equal(josa(w, '와', '과'), gwa);
    assert.equal(josa(w, '으로', '로'), ro);
  }
});

test('a pair is named in either order; unknown pairs are refused', () => {
  assert.deepEqual(pairOf('가', '이'), ['이', '가']);
  assert.deepEqual(pairOf('와', '과'), ['과', '와']);
  assert.equal(pairOf('에', '에게'), null);
  assert.throws(() => josa('x', '에', '에게'));
  for (const pair of PAIRS) assert.equal(pickParticle('3', pair), pair[0]);
  assert.equal(pickParticle('1', ['으로서', '로서']), '로서');
});
